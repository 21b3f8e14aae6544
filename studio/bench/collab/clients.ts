/**
 * The collaboration benchmark's clients: the same y-websocket `WebsocketProvider` (with `ws`) for
 * every server, and the edit-to-visible measurement over them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Pause } from './server.ts';
import type { ServerProcess } from './serverProcess.ts';

/** A client: its document and its provider. */
export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** The same y-websocket client for both servers (`ws` as its WebSocket). */
export function connect(server: ServerProcess, room: string): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(server.base, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: server.token ? { token: server.token } : {},
  });
  return { doc, provider };
}

/** Resolves once the provider has synced with the server (fails after `ms`). */
export function synced(c: Client, ms = 30_000): Promise<void> {
  if (c.provider.synced) return Promise.resolve();
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no sync within ${ms} ms`)), ms);
    c.provider.once('sync', () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Disconnects and drops the clients. */
export function destroy(clients: Client[]): void {
  for (const c of clients) {
    c.provider.destroy();
    c.doc.destroy();
  }
}

/** `n` new clients of `room`, once all have synced. */
export async function connectAll(server: ServerProcess, room: string, n: number): Promise<Client[]> {
  const clients = Array.from({ length: n }, () => connect(server, room));
  await Promise.all(clients.map((c) => synced(c)));
  return clients;
}

/** One measured edit: when it was made (ms since the epoch) and each receiving client's latency. */
export interface Edit {
  at: number;
  times: number[];
}

/** How `editLatency` runs. */
export interface EditRun {
  /** Measured edits, after `warmup` unmeasured ones. */
  edits: number;
  warmup: number;
  /** Pause after an edit reached every client before the next one, ms. */
  paceMs: number;
  /** Called right before the measured edits, and right after them (profiling). */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
}

/**
 * Edit-to-visible on `n` clients of a new document: edits from rotating writers, one at a time.
 * Returns every measured edit, the server's garbage collections and CPU time during them.
 */
export async function editLatency(
  server: ServerProcess,
  n: number,
  run: EditRun,
): Promise<{ edits: Edit[]; pauses: Pause[]; cpuMs: number }> {
  const clients = await connectAll(server, await server.newRoom(), n);
  // Let the awareness announcements of n clients to n clients pass before the first edit.
  await sleep(100 + 10 * n);
  const edits: Edit[] = [];
  let pending:
    | { writer: Client; clock: number; t0: number; seen: Set<Client>; done: () => void; times: number[] }
    | undefined;
  for (const c of clients)
    c.doc.on('update', () => {
      const now = performance.now();
      const p = pending;
      if (!p || c === p.writer || p.seen.has(c)) return;
      // Visible once this client's document holds the writer's edit (its clock for that writer).
      if (Y.getState(c.doc.store, p.writer.doc.clientID) < p.clock) return;
      p.seen.add(c);
      p.times.push(now - p.t0);
      if (p.seen.size === n - 1) p.done();
    });
  try {
    let cpuStart = 0;
    for (let i = 0; i < run.warmup + run.edits; i++) {
      if (i === run.warmup) {
        await server.pauses();
        await run.before?.();
        cpuStart = await server.cpuMs();
      }
      const writer = clients[i % n]!;
      const reached = new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`edit ${i} not seen by every client in 10 s`)), 10_000);
        pending = {
          writer,
          clock: 0,
          t0: 0,
          seen: new Set(),
          times: [],
          done: () => {
            clearTimeout(timer);
            done();
          },
        };
      });
      const p = pending!;
      p.t0 = performance.now();
      // A small edit, alternately a Y.Map set (a state's name) and a Y.Text insert (a guard).
      if (i % 2 === 0) writer.doc.getMap('states').set(`s${i % 16}`, `state ${i}`);
      else writer.doc.getText('guard').insert(0, 'x');
      p.clock = Y.getState(writer.doc.store, writer.doc.clientID);
      await reached;
      pending = undefined;
      if (i >= run.warmup) edits.push({ at: performance.timeOrigin + p.t0, times: p.times });
      await sleep(run.paceMs);
    }
    const cpuMs = (await server.cpuMs()) - cpuStart;
    const pauses = await server.pauses();
    await run.after?.();
    return { edits, pauses, cpuMs };
  } finally {
    destroy(clients);
  }
}

/** Whether a server collection overlapped the edit's way to its last client. */
export function heldByGc(edit: Edit, pauses: Pause[]): boolean {
  const end = edit.at + Math.max(...edit.times);
  return pauses.some((p) => p.at < end && p.at + p.ms > edit.at);
}
