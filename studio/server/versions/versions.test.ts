// Versions against real parts: PGlite, the content store in a temporary folder, the collaboration
// server on a plain HTTP server, and y-websocket clients standing for the browsers on the page.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundleId, loadCatalog } from '@palestra/envs/node';
import { PalestraError } from '@palestra/errors';
import { unzipSync } from 'fflate';
import * as Y from 'yjs';
import { addState, addTransition, setPosition } from '../../app/doc/edits.ts';
import { docParts } from '../../app/doc/schema.ts';
import { toSpec } from '../../app/doc/toSpec.ts';
import { createMembership } from '../auth/members.ts';
import { attachCollab, type Collab } from '../collab/attachCollab.ts';
import { connect, type TestClient } from '../collab/testClient.ts';
import type { StudioContext } from '../context.ts';
import { createRepository, type OpenedDatabase, openDatabase } from '../db/index.ts';
import { environmentSource } from '../environmentSource.ts';
import { importSpecText } from '../importSpec.ts';
import { commitDocument, commitWorkingDocument, rollBack } from './commitVersion.ts';
import { versionZip } from './exportVersion.ts';
import { runVersion } from './runVersion.ts';
import { workingCopy } from './workingCopy.ts';

let dir: string;
let database: OpenedDatabase;
let server: Server;
let collab: Collab;
let url: string;
let studio: StudioContext;
const clients: TestClient[] = [];
let author: { id: string; name: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palestra-versions-'));
  database = await openDatabase({ dir: join(dir, 'db') });
  studio = { repo: createRepository(database.db), storeDir: join(dir, 'store'), runsDir: join(dir, 'runs') };
  // The author is a member, as in the studio (the local owner).
  ({ member: author } = await createMembership(database.db, randomBytes(32)).ownerSession());
  server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // Seeded as the studio seeds a new document: from the environment's head version.
  collab = attachCollab(server, database.db, {
    log: () => {},
    seed: async (id) => {
      const env = await environmentSource(studio, id);
      return env && { spec: env.spec, files: env.files };
    },
  });
});

after(async () => {
  for (const c of clients) c.destroy();
  await collab?.close();
  await new Promise<void>((done) => server.close(() => done()));
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new studio environment imported from tally, and a browser on its page. */
async function newEnvironment() {
  const imported = await importSpecText(JSON.stringify(loadCatalog('tally').spec), studio, 'tally.json');
  assert.ok(imported.ok);
  const browser = connect(url, imported.environment.id);
  clients.push(browser);
  await browser.whenSynced();
  return { env: imported.environment, browser };
}

/** The browser adds a final state `escalated` and `ESCALATE` from counting to it, and waits for "saved". */
async function addEscalated(browser: TestClient) {
  const counting = [...docParts(browser.doc).states.entries()].find(
    ([, m]) => m.get('name') === 'counting',
  )![0];
  const escalated = addState(browser.doc, null, 'escalated');
  docParts(browser.doc).states.get(escalated)!.set('type', 'final');
  addTransition(browser.doc, counting, 'ESCALATE', escalated);
  setPosition(browser.doc, escalated, { x: 40, y: 300 });
  await browser.whenSaved();
}

/** True when the document's machine has a state `escalated` at its top. */
const hasEscalated = (doc: Y.Doc) =>
  'escalated' in ((toSpec(doc).spec.machine as { states?: Record<string, unknown> }).states ?? {});

const at = (id: string) => ({ studioUrl: url, id });
const current = async (id: string) => (await studio.repo.getEnvironment(id))!;

test('commit: the working document becomes a version with its author, message and parent; its export checks to the same root', async () => {
  const { env, browser } = await newEnvironment();
  await addEscalated(browser);
  const { root } = await commitWorkingDocument(studio, at(env.id), env, { message: 'add escalated', author });
  assert.notEqual(root, env.headRoot);
  assert.equal((await current(env.id)).headRoot, root, 'the head moved');
  const [newest, first] = await studio.repo.listVersions(env.id);
  assert.deepEqual(
    [newest?.root, newest?.note, newest?.authorId, newest?.authorName, newest?.parentRoot],
    [root, 'add escalated', author.id, author.name, env.headRoot],
  );
  assert.equal(first?.root, env.headRoot);
  const head = await environmentSource(studio, env.id);
  assert.ok(head?.spec.machine.states?.escalated, 'the head version has the new state');

  // Exported, unzipped and read as `palestra check` reads a folder: the same root.
  const { folder, bytes } = await versionZip(studio, root, 'tally-v2');
  const out = join(dir, 'unzipped');
  for (const [name, content] of Object.entries(unzipSync(bytes))) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), content);
  }
  assert.equal(await bundleId(loadCatalog(join(out, folder))), root);

  // A run of the new root names this version; a run of the environment at another root ran a working copy.
  assert.deepEqual(await runVersion(studio, root, env.id), {
    environmentId: env.id,
    seq: newest!.seq,
    message: 'add escalated',
    root,
  });
  assert.equal((await runVersion(studio, root, null))?.seq, newest!.seq, 'a run that names no environment');
  const other = `0x${'cd'.repeat(32)}`;
  assert.equal((await runVersion(studio, other, env.id))?.seq, null);
  assert.equal(await runVersion(studio, other, null), undefined);
  // tally's own root is this environment's first version, but a run naming no environment ran the catalog.
  assert.equal(env.headRoot, await bundleId(loadCatalog('tally')));
  assert.equal(await runVersion(studio, env.headRoot!, null), undefined);
});

test('commit refuses a document that does not parse (with its JSON path) and one unchanged since the head', async () => {
  const { env, browser } = await newEnvironment();
  const unchanged = await commitDocument(studio, env, browser.doc, { message: 'nothing', author }).catch(
    (e) => e,
  );
  assert.ok(
    unchanged instanceof PalestraError && unchanged.code === 'STUDIO_VERSION_UNCHANGED',
    String(unchanged),
  );

  const broken = new Y.Doc();
  Y.applyUpdate(broken, Y.encodeStateAsUpdate(browser.doc));
  const tools = docParts(broken).tools;
  for (const key of [...tools.keys()]) tools.delete(key);
  const refused = await commitDocument(studio, env, broken, { message: 'no tools', author }).catch((e) => e);
  assert.ok(refused instanceof PalestraError, String(refused));
  assert.equal(refused.code, 'STUDIO_VERSION_INVALID');
  assert.equal(refused.details.path, '$.tools');
  assert.match(refused.message, /tool/);
  assert.equal((await studio.repo.listVersions(env.id)).length, 1, 'no version was written');
  assert.equal((await current(env.id)).headRoot, env.headRoot);
});

test('roll back: a new head version with the old root, and the working document follows it live', async () => {
  const { env, browser } = await newEnvironment();
  const colleague = connect(url, env.id);
  clients.push(colleague);
  await colleague.whenSynced();
  await addEscalated(browser);
  const v2 = await commitWorkingDocument(studio, at(env.id), env, { message: 'add escalated', author });
  const [, v1] = await studio.repo.listVersions(env.id);
  const changed = new Promise<void>((done) =>
    colleague.doc.on('update', () => {
      if (!hasEscalated(colleague.doc)) done();
    }),
  );
  const back = await rollBack(studio, at(env.id), await current(env.id), v1!.seq, author);
  assert.equal(back.root, env.headRoot);
  await changed;
  assert.deepEqual(
    toSpec(colleague.doc).spec,
    toSpec(browser.doc).spec,
    'both browsers hold the rolled-back document',
  );
  const spec = toSpec(colleague.doc).spec as unknown as Record<string, unknown>;
  assert.equal(await bundleId((await environmentSource(studio, `${env.id}@${env.headRoot}`))!), env.headRoot);
  assert.equal(spec.name, 'tally');
  const versions = await studio.repo.listVersions(env.id);
  assert.deepEqual(
    versions.map((v) => [v.root, v.parentRoot]),
    [
      [env.headRoot, v2.root],
      [v2.root, env.headRoot],
      [env.headRoot, null],
    ],
  );
  assert.equal(
    versions[0]!.note,
    `Roll back to version ${v1!.seq} "imported from tally.json" (${env.headRoot!.slice(0, 10)}…)`,
  );
  assert.equal((await current(env.id)).headRoot, env.headRoot);
  // The working copy is the head again: the simulate page plays the head version.
  const request = new Request(url);
  assert.equal((await workingCopy(studio, request, (await environmentSource(studio, env.id))!)).kind, 'head');
});

test('the working copy: uncommitted changes are played, and can be loaded by id@root for saving', async () => {
  const { env, browser } = await newEnvironment();
  await addEscalated(browser);
  const head = (await environmentSource(studio, env.id))!;
  const copy = await workingCopy(studio, new Request(url), head);
  assert.equal(copy.kind, 'working');
  assert.ok(copy.env.spec.machine.states?.escalated);
  assert.notEqual(copy.env.root, head.root);
  const loaded = await environmentSource(studio, `${env.id}@${copy.env.root}`);
  assert.equal(loaded?.ref, env.id, 'saved runs name the environment id');
  assert.equal(loaded?.root, copy.env.root);
  const stranger = `0x${'ab'.repeat(32)}`;
  assert.equal(
    await environmentSource(studio, `${env.id}@${stranger}`),
    undefined,
    'an unknown root is not loaded',
  );
});
