import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { parseSpec } from '@palestra/envs/core';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { seedDoc } from '../../app/doc/fromSpec.ts';
import { docJson } from '../../app/doc/schema.ts';
import { filesOf, toSpec } from '../../app/doc/toSpec.ts';
import { ensureBuild } from '../build.ts';
import { importSpecText } from '../importSpec.ts';
import { type Studio, startStudio } from '../start.ts';
import { MAX_MESSAGE } from './attachCollab.ts';
import { CLOSE_MALFORMED } from './room.ts';
import { connect, type TestClient } from './testClient.ts';

let studio: Studio;
/** The owner's signed session: the socket's credential. */
let token: string;
let dir: string;
const clients: TestClient[] = [];

before(async () => {
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'palestra-collab-'));
  studio = await startStudio(studioOptions());
  token = (await studio.membership.ownerSession()).signed;
});

after(async () => {
  for (const c of clients) c.destroy();
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

const studioOptions = () => ({ port: 0, dir, storeDir: join(dir, 'store'), log: () => {} });

async function newEnvironment(): Promise<string> {
  return (await studio.context.repo.createEnvironment({ name: 'collab test', source: 'import' })).id;
}

function client(id: string): TestClient {
  const c = connect(studio.url, id, token);
  clients.push(c);
  return c;
}

/** A raw socket at /collab/<id>: resolves with the upgrade's status, or the socket once open. */
function rawSocket(id: string): Promise<{ ws?: WebSocket; status?: number }> {
  const url = `${studio.url.replace(/^http/, 'ws')}collab/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  return new Promise((done) => {
    ws.once('open', () => done({ ws }));
    ws.once('unexpected-response', (req, res) => {
      // With this listener `ws` leaves the response to us: without destroy its socket stays open.
      req.destroy();
      done({ status: res.statusCode });
    });
    ws.once('error', () => {});
  });
}

export function syncUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

test('two clients see each other’s edits', async () => {
  const id = await newEnvironment();
  const [a, b] = [client(id), client(id)];
  await Promise.all([a.whenSynced(), b.whenSynced()]);
  const seen = new Promise<void>((done) => b.doc.getMap('states').observe(() => done()));
  a.doc.getMap('states').set('s1', 'from a');
  await seen;
  assert.equal(b.doc.getMap('states').get('s1'), 'from a');
  const back = new Promise<void>((done) => a.doc.getText('guard').observe(() => done()));
  b.doc.getText('guard').insert(0, 'x > 1');
  await back;
  assert.equal(a.doc.getText('guard').toString(), 'x > 1');
});

test('an unknown environment id, or a path that is not one, is refused with 404 before any byte', async () => {
  assert.deepEqual(await rawSocket('no-such-environment'), { status: 404 });
  assert.deepEqual(await rawSocket('a/b'), { status: 404 });
  const id = await newEnvironment();
  const { ws } = await rawSocket(id);
  assert.ok(ws, 'a known id upgrades');
  ws.close();
});

/** A truncated update: its first bytes are a real edit, the rest is missing. */
function truncatedUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('guard').insert(0, 'hostile');
  const update = Y.encodeStateAsUpdate(doc);
  return update.slice(0, update.length - 3);
}

for (const [what, message, code] of [
  ['a malformed update', () => syncUpdate(truncatedUpdate()), CLOSE_MALFORMED],
  ['an update over 1 MB', () => syncUpdate(bigUpdate()), 1009],
] as const)
  test(`${what} closes only its socket, and nothing of it is kept`, async () => {
    const id = await newEnvironment();
    const good = client(id);
    await good.whenSynced();
    good.doc.getText('guard').insert(0, 'kept');
    await good.whenSaved();
    const { ws } = await rawSocket(id);
    assert.ok(ws);
    const closed = new Promise<number>((done) => ws.once('close', (c) => done(c)));
    ws.send(message());
    assert.equal(await closed, code);
    // The other client still edits and saves through the same document.
    good.doc.getText('guard').insert(4, ' still');
    await good.whenSaved();
    assert.equal(good.provider.wsconnected, true);
    const fresh = client(id);
    await fresh.whenSynced();
    assert.equal(fresh.doc.getText('guard').toString(), 'kept still');
    assert.equal(fresh.doc.getText('big').length, 0);
  });

function bigUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('big').insert(0, 'x'.repeat(MAX_MESSAGE + 10));
  return Y.encodeStateAsUpdate(doc);
}

test('edits survive a restart of the studio on the same folder', async () => {
  const id = await newEnvironment();
  const a = client(id);
  await a.whenSynced();
  a.doc.getMap('states').set('s1', { name: 'start' });
  a.doc.getMap('states').set('s2', { name: 'end' });
  await a.whenSaved();
  a.destroy();
  await studio.close();
  studio = await startStudio(studioOptions());
  const b = client(id);
  await b.whenSynced();
  assert.deepEqual(b.doc.getMap('states').toJSON(), { s1: { name: 'start' }, s2: { name: 'end' } });
});

test('an imported environment opens as its spec: the first client syncs the seeded document, stored once', async () => {
  const name = catalogNames().find((n) => Object.keys(loadCatalog(n).files).length > 0) ?? 'tally';
  const { spec, files } = loadCatalog(name);
  const imported = await importSpecText(JSON.stringify(spec), studio.context, 'spec.json', files);
  assert.ok(imported.ok, JSON.stringify(imported));
  const id = imported.environment.id;
  const [a, b] = [client(id), client(id)];
  await Promise.all([a.whenSynced(), b.whenSynced()]);
  for (const c of [a, b]) {
    const out = toSpec(c.doc);
    assert.deepEqual(out.problems, []);
    assert.deepStrictEqual(parseSpec(out.spec, files), parseSpec(spec, files));
    assert.deepStrictEqual(filesOf(c.doc), files);
  }
  assert.equal(await studio.collab.store.count(id), 1);
  // Seeding is deterministic: a second server seeding at the same time appends the same bytes,
  // which merge into the same document instead of a second copy of every state.
  const again = Y.encodeStateAsUpdate(seedDoc(spec, files));
  await studio.collab.store.append(id, [again]);
  const merged = new Y.Doc();
  Y.applyUpdate(merged, (await studio.collab.store.load(id)).update);
  assert.deepStrictEqual(docJson(merged), docJson(a.doc));
});
