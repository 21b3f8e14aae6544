import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCatalog } from '@palestra/envs';
import type { GymSpecInput } from '@palestra/envs/core';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { isSaved, messageSaved } from '../../app/collab/saved.ts';
import { fromSpec } from '../../app/doc/fromSpec.ts';
import { DOC_SCHEMA_VERSION, docParts, docSchemaVersion } from '../../app/doc/schema.ts';
import { createRepository, type OpenedDatabase, openDatabase } from '../db/index.ts';
import { attachCollab, type Collab } from './attachCollab.ts';
import { messageReadOnly } from './room.ts';
import { connect, type TestClient } from './testClient.ts';

// The collaboration server on a plain HTTP server and a real PGlite, so that the test can read the
// database at the moment "saved" arrives (the studio keeps its handle to itself).
let dir: string;
let database: OpenedDatabase;
let server: Server;
let collab: Collab;
let url: string;
const clients: TestClient[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palestra-collab-db-'));
  database = await openDatabase({ dir });
  server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // Compaction by count only here (the idle timer is long): the test decides when it happens.
  collab = attachCollab(server, database.db, {
    compaction: { afterRows: 1000, idleMs: 60_000 },
    log: () => {},
  });
});

after(async () => {
  for (const c of clients) c.destroy();
  await collab?.close();
  await new Promise<void>((done) => server.close(() => done()));
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

const newEnvironment = async () =>
  (await createRepository(database.db).createEnvironment({ name: 'collab', source: 'import' })).id;

function client(id: string): TestClient {
  const c = connect(url, id);
  clients.push(c);
  return c;
}

async function storedDoc(id: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, (await collab.store.load(id)).update);
  return doc;
}

test('"saved" arrives only after the commit, and its state vector covers the edit', async () => {
  const id = await newEnvironment();
  const a = client(id);
  await a.whenSynced();
  // On opt-in the loaded (empty) document is reported saved.
  await a.whenSaved();
  const before = a.saved.length;
  a.doc.getMap('states').set('s1', { name: 'start' });
  assert.equal(isSaved(a.doc, a.saved.at(-1) as Uint8Array), false, 'a local edit is not saved yet');
  // The database is read as the message arrives: what it says saved is already there.
  const committed = new Promise<Y.Doc>((done) => {
    a.provider.messageHandlers[messageSaved] = (_e, decoder) => {
      a.saved.push(decoding.readVarUint8Array(decoder));
      done(storedDoc(id));
    };
  });
  const doc = await committed;
  assert.ok(a.saved.length > before);
  assert.deepEqual(doc.getMap('states').toJSON(), { s1: { name: 'start' } });
  assert.equal(isSaved(a.doc, a.saved.at(-1) as Uint8Array), true);
});

test('compaction merges the rows into one and keeps the document equal', async () => {
  const id = await newEnvironment();
  const a = client(id);
  await a.whenSynced();
  for (let i = 0; i < 30; i++) {
    a.doc.getText('guard').insert(i, String(i % 10));
    await a.whenSaved();
  }
  const beforeRows = await collab.store.count(id);
  assert.ok(beforeRows >= 30, `${beforeRows} rows`);
  const room = await collab.rooms.get(id);
  assert.ok(room);
  await room.compact();
  assert.equal(await collab.store.count(id), 1);
  const doc = await storedDoc(id);
  assert.equal(doc.getText('guard').toString(), a.doc.getText('guard').toString());
  assert.deepEqual(Y.encodeStateVector(doc), Y.encodeStateVector(a.doc));
  // Edits after a compaction append to the merged row, and a fresh client reads them all.
  a.doc.getText('guard').insert(0, '>');
  await a.whenSaved();
  assert.equal(await collab.store.count(id), 2);
  const b = client(id);
  await b.whenSynced();
  assert.equal(b.doc.getText('guard').toString(), `>${'0123456789'.repeat(3)}`);
});

test('compaction runs by itself after the configured number of rows', async () => {
  const id = await newEnvironment();
  const local = attachCollab(server, database.db, {
    compaction: { afterRows: 5, idleMs: 60_000 },
    log: () => {},
  });
  // Two listeners on one server would both answer: detach the file's one for this test.
  await collab.close();
  try {
    const a = client(id);
    await a.whenSynced();
    for (let i = 0; i < 5; i++) {
      a.doc.getText('t').insert(0, 'x');
      await a.whenSaved();
    }
    await (await local.rooms.get(id))?.settled();
    assert.equal(await local.store.count(id), 1);
    assert.equal((await storedDoc(id)).getText('t').toString(), 'xxxxx');
  } finally {
    collab = local;
  }
});

/** Stores `doc` as environment `id`'s first row, as an older (or newer) studio left it. */
async function storeAs(doc: Y.Doc): Promise<string> {
  const id = await newEnvironment();
  await collab.store.append(id, [Y.encodeStateAsUpdate(doc)]);
  return id;
}

/** A document of layout version 1: a history state's default kept as the string written. */
function layoutOne(): Y.Doc {
  const doc = fromSpec({
    ...loadCatalog('tally').spec,
    machine: {
      initial: 'closed',
      states: {
        closed: {
          initial: 'locked',
          states: { locked: {}, ajar: {}, hist: { type: 'history', target: 'ajar' } },
        },
      },
    },
  } as GymSpecInput);
  const { states, meta } = docParts(doc);
  doc.transact(() => {
    for (const m of states.values()) if (m.get('type') === 'history') m.set('target', 'ajar');
    meta.set('schemaVersion', 1);
  });
  return doc;
}

const historyTarget = (doc: Y.Doc) =>
  [...docParts(doc).states.values()].find((m) => m.get('type') === 'history')?.get('target');

test('a document an older studio stored is lifted to this layout before any client syncs, and stored so', async () => {
  const id = await storeAs(layoutOne());
  const a = client(id);
  await a.whenSynced();
  assert.equal(docSchemaVersion(a.doc), DOC_SCHEMA_VERSION);
  const ajar = [...docParts(a.doc).states.entries()].find(([, m]) => m.get('name') === 'ajar')![0];
  assert.deepEqual(historyTarget(a.doc), { state: ajar, raw: 'ajar' });
  // Stored as an edit: the next studio to load it has nothing left to migrate.
  const stored = await storedDoc(id);
  assert.equal(docSchemaVersion(stored), DOC_SCHEMA_VERSION);
  assert.deepEqual(historyTarget(stored), { state: ajar, raw: 'ajar' });
});

test('a document a newer studio stored is left as it is and served read-only to everyone', {
  timeout: 10_000,
}, async () => {
  const doc = layoutOne();
  docParts(doc).meta.set('schemaVersion', DOC_SCHEMA_VERSION + 1);
  const id = await storeAs(doc);
  const a = client(id);
  await a.whenSynced();
  assert.equal(docSchemaVersion(a.doc), DOC_SCHEMA_VERSION + 1);
  const told = new Promise<void>((done) => {
    a.provider.messageHandlers[messageReadOnly] = () => done();
  });
  a.doc.getMap('states').set('s9', new Y.Map([['name', 'mine']]));
  await told;
  const stored = await storedDoc(id);
  assert.equal(stored.getMap('states').has('s9'), false, 'its edit was dropped');
  assert.equal(docSchemaVersion(stored), DOC_SCHEMA_VERSION + 1);
});
