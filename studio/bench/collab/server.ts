/**
 * One collaboration server for the collaboration benchmark, in its own process (forked by
 * `collab.bench.ts` with `--expose-gc`), so that the clients' CPU never counts as server time:
 *
 * - `studio`: a real `startStudio` on a data folder (argv[3]); sockets authenticate with the
 *   owner's signed session, as a script with `?token=` does;
 * - `raw`: `@y/websocket-server` 0.1.1's `setupWSConnection` on a plain http server, with no
 *   persistence and no authentication: the reference;
 * - `raw-in-studio` and `collab`: two servers in between, which split the difference (see `Kind`).
 *
 * `PALESTRA_BENCH_PROFILE_DIR=<folder>` also writes each CPU profile there (`.cpuprofile`).
 *
 * It answers the benchmark over IPC (`Request` → `Message`): a new document, its memory after a
 * full garbage collection, its CPU time, its garbage collections, a CPU profile summed by where the
 * time went, and stop.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';
import { attachCollab } from '../../server/collab/attachCollab.ts';
import { createRepository, openDatabase } from '../../server/db/index.ts';
import { startStudio } from '../../server/start.ts';

/** What the benchmark asks. */
export type Request =
  | { seq: number; op: 'room' }
  | { seq: number; op: 'memory' }
  | { seq: number; op: 'profileStart' }
  | { seq: number; op: 'profileStop' }
  | { seq: number; op: 'pauses' }
  | { seq: number; op: 'cpu' }
  | { seq: number; op: 'stop' };

/** Self time of a CPU profile, by where it was spent (ms), and the busiest functions. */
export interface ProfileSummary {
  totalMs: number;
  byPlace: Record<string, number>;
  top: { fn: string; place: string; ms: number }[];
}

/** A garbage collection in the server: when (ms since the epoch), how long, and whether major. */
export interface Pause {
  at: number;
  ms: number;
  major: boolean;
}

/** What this process sends: once `ready`, then one reply per request (same `seq`). */
export type Message =
  | { ready: true; base: string; token: string; room: string }
  | { seq: number; room: string }
  | { seq: number; memory: { heapUsed: number; rss: number; external: number; arrayBuffers: number } }
  | { seq: number; profile: ProfileSummary }
  | { seq: number; pauses: Pause[] }
  | { seq: number; cpuMs: number }
  | { seq: number; done: true };

const [kind, dir, givenRoom] = process.argv.slice(2);
const send = (m: Message) => process.send?.(m);

/** The server kinds: the two compared, and two that split the difference between them. */
export type Kind = 'studio' | 'raw' | 'raw-in-studio' | 'collab';

/** The raw reference: `setupWSConnection` on a plain http server, no persistence, no auth. */
async function startRaw() {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => setupWSConnection(ws, req));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  let n = 0;
  return {
    base: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    newRoom: async () => `bench-${++n}`,
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}

let newRoom: () => Promise<string>;
let stop: () => Promise<void>;
let base: string;
let token = '';
if (kind === 'studio' || kind === 'raw-in-studio') {
  if (!dir) throw new Error(`usage: server.ts ${kind} <dir> [environment id]`);
  const studio = await startStudio({ port: 0, dir, log: () => {}, databaseUrl: '' });
  if (kind === 'studio') {
    token = (await studio.membership.ownerSession()).signed;
    base = `${studio.url.replace(/^http/, 'ws')}collab`;
    let n = 0;
    newRoom = async () =>
      (await studio.context.repo.createEnvironment({ name: `bench ${++n}`, source: 'import' })).id;
    stop = () => studio.close();
  } else {
    // The raw server in a process that also runs an idle studio: what the studio's process
    // (its heap, its modules, PGlite) costs a server that does no more than the raw one.
    const raw = await startRaw();
    ({ base, newRoom } = raw);
    stop = () => raw.stop().then(() => studio.close());
  }
} else if (kind === 'collab') {
  // The studio's collaboration layer alone (rooms, persistence in PGlite), without express, React
  // Router or members: what attachCollab costs over the raw server.
  if (!dir) throw new Error('usage: server.ts collab <dir>');
  const database = await openDatabase({ dir: join(dir, 'db'), thread: true });
  const repo = createRepository(database.db);
  const server = createServer((_req, res) => res.writeHead(404).end());
  const collab = attachCollab(server, database.db, { log: () => {} });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/collab`;
  let n = 0;
  newRoom = async () => (await repo.createEnvironment({ name: `bench ${++n}`, source: 'import' })).id;
  stop = async () => {
    await collab.close();
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    await database.close();
  };
} else if (kind === 'raw') ({ base, newRoom, stop } = await startRaw());
else throw new Error(`unknown server kind ${kind}: studio, raw, raw-in-studio or collab`);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc: the memory figures need a full collection');
const session = new Session();
session.connect();
// Every collection's pause, kept until the benchmark asks: a latency sample that overlaps one was
// held up by it.
let pauses: Pause[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    pauses.push({
      at: performance.timeOrigin + e.startTime,
      ms: e.duration,
      major: (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
    });
}).observe({ entryTypes: ['gc'] });

process.on('message', async (r: Request) => {
  if (r.op === 'room') send({ seq: r.seq, room: await newRoom() });
  else if (r.op === 'memory') {
    // Twice: the first collection can leave finalizable objects for the second.
    gc();
    gc();
    const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
    send({ seq: r.seq, memory: { heapUsed, rss, external, arrayBuffers } });
  } else if (r.op === 'profileStart') {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    send({ seq: r.seq, done: true });
  } else if (r.op === 'profileStop') {
    const { profile } = await session.post('Profiler.stop');
    // For a closer look in a browser's DevTools (Performance, load profile).
    const out = process.env.PALESTRA_BENCH_PROFILE_DIR;
    if (out) writeFileSync(join(out, `collab-${kind}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    send({ seq: r.seq, profile: summarize(profile) });
  } else if (r.op === 'cpu') {
    // CPU time, not wall time: a busy machine descheduling this process does not count.
    const { user, system } = process.cpuUsage();
    send({ seq: r.seq, cpuMs: (user + system) / 1000 });
  } else if (r.op === 'pauses') {
    send({ seq: r.seq, pauses });
    pauses = [];
  } else if (r.op === 'stop') {
    await stop();
    // Exits once the reply is out: the inspector session and the servers' timers would keep it.
    process.send?.({ seq: r.seq, done: true } satisfies Message, () => process.exit(0));
  }
});
send({ ready: true, base, token, room: givenRoom || (await newRoom()) });

/** Where a function's code lives, in the words of the benchmark's table. */
function placeOf(url: string): string {
  const places: [RegExp, string][] = [
    [/server\/collab\/room\.ts/, 'studio room.ts'],
    [/server\/collab\/attachCollab\.ts/, 'studio attachCollab.ts'],
    [/server\/collab\/docStore\.ts/, 'studio docStore.ts'],
    [/server\/auth\//, 'studio auth'],
    [/app\/collab\//, 'studio saved.ts'],
    [/@electric-sql\/pglite/, 'PGlite'],
    [/drizzle-orm/, 'drizzle'],
    [/node_modules\/yjs\//, 'yjs'],
    [/y-protocols/, 'y-protocols'],
    [/node_modules\/lib0\//, 'lib0'],
    [/@y\/websocket-server/, 'websocket-server'],
    [/node_modules\/ws\//, 'ws'],
    [/^node:/, 'node internals'],
  ];
  for (const [re, name] of places) if (re.test(url)) return name;
  return 'other';
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function summarize(profile: {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native code (a socket's or a file's write, a WebAssembly function) has no script: its time goes
  // to the nearest caller that has one, so PGlite's file writes count as PGlite and ws's as ws.
  const placeById = new Map<number, string>();
  const placeOfNode = (id: number): string => {
    const known = placeById.get(id);
    if (known) return known;
    const { functionName, url } = byId.get(id)!.callFrame;
    let place: string;
    if (SPECIAL.has(functionName)) place = functionName;
    else if (url !== '' && !/^wasm:|^[0-9a-f]{8}$/.test(url)) place = placeOf(url);
    else {
      const up = parent.get(id);
      place =
        up === undefined || SPECIAL.has(byId.get(up)!.callFrame.functionName) ? '(native)' : placeOfNode(up);
    }
    placeById.set(id, place);
    return place;
  };
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's delta is the time since the previous one: it belongs to the previous sample's node.
  for (let i = 1; i < samples.length; i++)
    selfUs.set(samples[i - 1]!, (selfUs.get(samples[i - 1]!) ?? 0) + (deltas[i] ?? 0));
  const byPlace: Record<string, number> = {};
  const byFn = new Map<string, { fn: string; place: string; ms: number }>();
  let totalMs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = functionName || '(anonymous)';
    const place = placeOfNode(id);
    const ms = us / 1000;
    totalMs += ms;
    byPlace[place] = (byPlace[place] ?? 0) + ms;
    const key = `${fn} ${url}:${lineNumber + 1}`;
    const entry = byFn.get(key) ?? { fn: `${fn} (${url.split('/').pop()}:${lineNumber + 1})`, place, ms: 0 };
    entry.ms += ms;
    byFn.set(key, entry);
  }
  const top = [...byFn.values()]
    .filter((f) => f.place !== '(idle)')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
  return { totalMs, byPlace, top };
}
