// Two studio processes against one PostgreSQL server (`.ci/run` starts one and sets
// PALESTRA_TEST_DATABASE_URL; without it this is shown as skipped): one `startStudio` here and one
// in a child process, each with its own folder, and a real y-websocket client on each.
//
// Credentials: each studio signs sessions with the key in its own folder, while the sessions table
// is shared; so each client uses a session its own studio made (`ownerSession`), as a browser
// does when it opens that studio's page. (An invite token is not signed: it works on either.)
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import {
  type AddressInfo,
  connect as connectTcp,
  createServer as createNetServer,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import * as Y from 'yjs';
import { OWNER_ID } from '../auth/members.ts';
import { ensureBuild } from '../build.ts';
import { DEFAULT_WORKSPACE_ID, type OpenedDatabase, openDatabase } from '../db/index.ts';
import { type Studio, startStudio } from '../start.ts';
import { attachCollab, CLOSE_ACCESS_WITHDRAWN, type Collab } from './attachCollab.ts';
import { connect, spawnStudio, type TestClient } from './testClient.ts';

const url = process.env.PALESTRA_TEST_DATABASE_URL;
const skip = url ? false : 'PALESTRA_TEST_DATABASE_URL not set';
/** Each test fails rather than waits for an edit that never comes. */
const timeout = 20_000;

// The other studio: prints `{ url, token }` once listening, then serves until killed.
const child = `
const { startStudio } = await import(${JSON.stringify(new URL('../start.ts', import.meta.url).href)});
const [dir] = process.argv.slice(1);
const studio = await startStudio({ port: 0, dir, storeDir: dir + '/store', runsDir: dir + '/runs', log: (line) => process.stderr.write(line + '\\n') });
await studio.collab.relay.listening();
const token = (await studio.membership.ownerSession()).signed;
process.stdout.write(JSON.stringify({ url: studio.url, token }) + '\\n');
`;

let tmp: string;
let a: Studio;
let aToken: string;
const aLog: string[] = [];
let b: { url: string; token: string; process: ChildProcess };
const clients: TestClient[] = [];
const closers: (() => Promise<void>)[] = [];

before(async () => {
  if (skip) return;
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  tmp = mkdtempSync(join(tmpdir(), 'palestra-collab-relay-'));
  const options = (name: string) => ({
    port: 0,
    dir: join(tmp, name),
    storeDir: join(tmp, name, 'store'),
    runsDir: join(tmp, name, 'runs'),
    databaseUrl: url,
  });
  [a, b] = await Promise.all([
    startStudio({ ...options('a'), log: (line) => aLog.push(line) }),
    startChild(),
  ]);
  await a.collab.relay?.listening();
  aToken = (await a.membership.ownerSession()).signed;
});

after(async () => {
  for (const c of clients) c.destroy();
  if (b?.process.exitCode === null && b.process.signalCode === null) b.process.kill('SIGKILL');
  for (const close of closers) await close();
  await a?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function startChild(): Promise<{ url: string; token: string; process: ChildProcess }> {
  return spawnStudio<{ url: string; token: string }>(child, [join(tmp, 'b')], { DATABASE_URL: url });
}

function client(studioUrl: string, id: string, token?: string): TestClient {
  const c = connect(studioUrl, id, token);
  clients.push(c);
  return c;
}

/** A new environment: a fresh id per run, so rows of earlier runs on the server never collide. */
async function newEnvironment(): Promise<string> {
  return (await a.context.repo.createEnvironment({ name: 'two studios', source: 'import' })).id;
}

/** Resolves once `check` holds (checked now and after each update of one of `docs`). */
function until(docs: Y.Doc | Y.Doc[], check: () => boolean): Promise<void> {
  const all = Array.isArray(docs) ? docs : [docs];
  return new Promise((done) => {
    const test = () => {
      if (!check()) return;
      for (const doc of all) doc.off('update', test);
      done();
    };
    for (const doc of all) doc.on('update', test);
    test();
  });
}

const states = (c: TestClient) => c.doc.getMap('states').toJSON();

test('an edit through one studio reaches the clients of the other, both ways, and is saved on both', {
  skip,
  timeout,
}, async () => {
  const id = await newEnvironment();
  const [onA, onB] = [client(a.url, id, aToken), client(b.url, id, b.token)];
  await Promise.all([onA.whenSynced(), onB.whenSynced()]);
  const rows = await a.collab.store.count(id);
  onA.doc.getMap('states').set('s1', { name: 'from a' });
  await until(onB.doc, () => onB.doc.getMap('states').has('s1'));
  assert.deepEqual(states(onB), { s1: { name: 'from a' } });
  onB.doc.getText('guard').insert(0, 'order.age <= 30');
  await until(onA.doc, () => onA.doc.getText('guard').length > 0);
  assert.equal(onA.doc.getText('guard').toString(), 'order.age <= 30');
  // Each studio reports the other's edit saved (it was committed), and neither appends it again.
  await Promise.all([onA.whenSaved(), onB.whenSaved()]);
  assert.equal(await a.collab.store.count(id), rows + 2);
});

test('presence crosses too: who is here on one studio is seen on the other, and leaves with them', {
  skip,
  timeout,
}, async () => {
  const id = await newEnvironment();
  const [onA, onB] = [client(a.url, id, aToken), client(b.url, id, b.token)];
  await Promise.all([onA.whenSynced(), onB.whenSynced()]);
  const seenBy = (c: TestClient, clientId: number) => c.provider.awareness.getStates().get(clientId);
  const awarenessChanged = (c: TestClient, check: () => boolean) =>
    new Promise<void>((done) => {
      const test = () => {
        if (!check()) return;
        c.provider.awareness.off('change', test);
        done();
      };
      c.provider.awareness.on('change', test);
      test();
    });
  onA.provider.awareness.setLocalStateField('user', { name: 'Ana', pointer: { x: 10, y: 20 } });
  await awarenessChanged(onB, () => seenBy(onB, onA.doc.clientID)?.user?.name === 'Ana');
  onA.provider.awareness.setLocalStateField('user', { name: 'Ana', pointer: { x: 30, y: 40 } });
  await awarenessChanged(onB, () => seenBy(onB, onA.doc.clientID)?.user?.pointer?.x === 30);
  onB.provider.awareness.setLocalStateField('user', { name: 'Bo' });
  await awarenessChanged(onA, () => seenBy(onA, onB.doc.clientID)?.user?.name === 'Bo');
  // A leaves: B stops showing it at once, not when its presence times out (30 s).
  onA.destroy();
  await awarenessChanged(onB, () => seenBy(onB, onA.doc.clientID) === undefined);
});

test('a member removed through one studio loses their open socket on the other at once', {
  skip,
  timeout,
}, async () => {
  const id = await newEnvironment();
  // An invite token is not signed: it names the same member on either studio.
  const { token } = await a.membership.createInvite('editor');
  const redeemed = await a.membership.redeemInvite(token, 'Remote');
  assert.ok(redeemed);
  const onB = client(b.url, id, token);
  await onB.whenSynced();
  const closed = onB.whenClosed();
  await a.membership.removeMember(OWNER_ID, DEFAULT_WORKSPACE_ID, redeemed.member.id);
  assert.equal(await closed, CLOSE_ACCESS_WITHDRAWN);
});

test('after a compaction on one studio, the clients of both still converge', { skip, timeout }, async () => {
  const id = await newEnvironment();
  const [onA, onB] = [client(a.url, id, aToken), client(b.url, id, b.token)];
  await Promise.all([onA.whenSynced(), onB.whenSynced()]);
  for (let i = 0; i < 20; i += 1) {
    onA.doc.getMap('states').set(`a${i}`, { name: `a${i}` });
    onB.doc.getMap('states').set(`b${i}`, { name: `b${i}` });
  }
  const all = () => Object.keys(states(onA)).length === 40 && Object.keys(states(onB)).length === 40;
  await until([onA.doc, onB.doc], all);
  await Promise.all([onA.whenSaved(), onB.whenSaved()]);
  const room = await a.collab.rooms.get(id);
  assert.ok(room, 'the document is open on a');
  await room.compact();
  assert.equal(await a.collab.store.count(id), 1);
  onA.doc.getText('guard').insert(0, 'after compaction');
  onB.doc.getMap('states').delete('a0');
  const same = () =>
    Y.encodeStateVector(onA.doc).join() === Y.encodeStateVector(onB.doc).join() &&
    onA.doc.getText('guard').length > 0 &&
    !onA.doc.getMap('states').has('a0');
  await until([onA.doc, onB.doc], same);
  assert.deepEqual(states(onA), states(onB));
  assert.equal(Object.keys(states(onB)).length, 39);
  assert.equal(onB.doc.getText('guard').toString(), 'after compaction');
  // A client arriving at the other studio gets the same document.
  const late = client(b.url, id, b.token);
  await late.whenSynced();
  assert.deepEqual(states(late), states(onA));
});

test('the relay misses nothing committed while its connection was closed, or silently dropped', {
  skip,
  timeout,
}, async () => {
  // A third collaboration server here, on a plain HTTP server, whose relay connection the test
  // controls: it goes through a TCP proxy that can stop forwarding without closing (a network
  // that drops a connection without a word); while `refused`, reconnecting fails (a closed port).
  const database: OpenedDatabase = await openDatabase({ url });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const proxy = await freezableProxy(new URL(url as string));
  const log: string[] = [];
  let onLog = () => {};
  let refused = false;
  let listener: pg.Client | undefined;
  const collab: Collab = attachCollab(server, database.db, {
    log: (line) => {
      log.push(line);
      onLog();
    },
    relay: {
      connect: () => {
        listener = new pg.Client(refused ? { host: '127.0.0.1', port: 1 } : { connectionString: proxy.url });
        return listener;
      },
      heartbeatMs: 300,
    },
  });
  closers.push(async () => {
    await collab.close();
    proxy.close();
    await new Promise<void>((done) => server.close(() => done()));
    await database.close();
  });
  await collab.relay?.listening();
  const id = await newEnvironment();
  const [here, onB] = [
    client(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, id),
    client(b.url, id, b.token),
  ];
  await Promise.all([here.whenSynced(), onB.whenSynced()]);
  /** Resolves once a line containing `text` is logged after this call. */
  const logged = (text: string) => {
    const from = log.length;
    return new Promise<void>((done) => {
      onLog = () => {
        if (log.slice(from).some((line) => line.includes(text))) done();
      };
    });
  };
  /** While the relay cannot listen, B commits an edit: its notification is gone for good. */
  const editWhileAway = async (key: string) => {
    onB.doc.getMap('states').set(key, { name: 'while the relay was away' });
    await onB.whenSaved();
    assert.equal(here.doc.getMap('states').has(key), false);
    const back = logged('collab relay: listening again');
    refused = false;
    await until(here.doc, () => here.doc.getMap('states').has(key));
    await back;
  };

  // Closed: the server ends the relay's connection.
  refused = true;
  let lost = logged('lost its PostgreSQL connection');
  // The backend's pid, which `pg` keeps from the connection's start (untyped in its types).
  const pid = (listener as unknown as { processID: number }).processID;
  await database.db.execute(sql`select pg_terminate_backend(${pid})`);
  await lost;
  await editWhileAway('s1');

  // Silent: nothing comes through any more, and nothing says so; the heartbeat finds it.
  refused = true;
  lost = logged('no answer in 300 ms');
  proxy.freeze();
  await lost;
  await editWhileAway('s2');
  assert.deepEqual(Object.keys(states(here)).sort(), ['s1', 's2']);
});

/** A TCP proxy to PostgreSQL whose `freeze` stops forwarding on its connections, open still. */
async function freezableProxy(target: URL): Promise<{ url: string; freeze(): void; close(): void }> {
  const links = new Set<{ down: Socket; up: Socket }>();
  const frozen = new Set<{ down: Socket; up: Socket }>();
  const proxy = createNetServer((down) => {
    const up = connectTcp(Number(target.port || 5432), target.hostname);
    const link = { down, up };
    links.add(link);
    down.pipe(up);
    up.pipe(down);
    const drop = () => {
      links.delete(link);
      down.destroy();
      up.destroy();
    };
    for (const socket of [down, up]) socket.on('error', drop).on('close', drop);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as AddressInfo).port);
  return {
    url: url.href,
    freeze() {
      for (const { down, up } of links) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
      }
      // Kept for close(): a frozen link's sockets stay open, and would keep the process alive.
      for (const link of links) frozen.add(link);
      links.clear();
    },
    close() {
      proxy.close();
      for (const { down, up } of [...links, ...frozen]) {
        down.destroy();
        up.destroy();
      }
    },
  };
}

test('kill -9 of one studio loses none of its saved edits: the other serves them', {
  skip,
  timeout,
}, async () => {
  const id = await newEnvironment();
  const [onA, onB] = [client(a.url, id, aToken), client(b.url, id, b.token)];
  await Promise.all([onA.whenSynced(), onB.whenSynced()]);
  onB.doc.getMap('states').set('s1', { name: 'saved on b' });
  await onB.whenSaved();
  const killed = new Promise((done) => b.process.once('exit', done));
  b.process.kill('SIGKILL');
  await killed;
  await until(onA.doc, () => onA.doc.getMap('states').has('s1'));
  // The surviving studio keeps editing and saving the same document.
  onA.doc.getMap('states').set('s2', { name: 'after the kill' });
  await onA.whenSaved();
  const fresh = client(a.url, id, aToken);
  await fresh.whenSynced();
  assert.deepEqual(states(fresh), { s1: { name: 'saved on b' }, s2: { name: 'after the kill' } });
  const stored = new Y.Doc();
  Y.applyUpdate(stored, (await a.collab.store.load(id)).update);
  assert.deepEqual(stored.getMap('states').toJSON(), states(fresh));
});
