/**
 * A real y-websocket client for the collaboration tests (`ws` as its WebSocket), watching "saved".
 * Test support only: nothing in the studio imports it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { isSaved, watchSaved } from '../../app/collab/saved.ts';

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** The state vectors of every "saved" message received, in order. */
  saved: Uint8Array[];
  /** Resolves once a "saved" message covers everything in the local document. */
  whenSaved(): Promise<Uint8Array>;
  /** Resolves once the provider has synced with the server. */
  whenSynced(): Promise<void>;
  /** Resolves with the close code once the socket closes. */
  whenClosed(): Promise<number>;
  destroy(): void;
}

/** Connects to `ws://…/collab/<id>` of the studio at `studioUrl`. */
export function connect(studioUrl: string, id: string, token?: string): TestClient {
  const doc = new Y.Doc();
  const base = new URL('collab', studioUrl.replace(/^http/, 'ws')).href;
  const provider = new WebsocketProvider(base, id, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    // A member's credential: the studio refuses a socket without one (401).
    params: token ? { token } : {},
  });
  const saved: Uint8Array[] = [];
  let onSaved = () => {};
  watchSaved(provider, (sv) => {
    saved.push(sv);
    onSaved();
  });
  return {
    doc,
    provider,
    saved,
    whenSaved: () =>
      new Promise((done) => {
        const check = () => {
          const last = saved.at(-1);
          if (last && isSaved(doc, last)) done(last);
        };
        onSaved = check;
        check();
      }),
    whenSynced: () =>
      new Promise((done) => {
        if (provider.synced) return done();
        provider.once('sync', () => done());
      }),
    whenClosed: () =>
      new Promise((done) => {
        provider.once('connection-close', (event) => {
          provider.shouldConnect = false;
          done(event?.code ?? 0);
        });
      }),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/**
 * Runs `script` (ES module source that starts a studio and prints one JSON line once listening) in
 * a child process with `args`, so that a test can kill -9 it. Resolves with that line's fields and
 * the process; rejects with its stderr if it exits first.
 */
export function spawnStudio<T extends object>(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<T & { process: ChildProcess }> {
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  let out = '';
  let err = '';
  p.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((done, fail) => {
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) done({ ...JSON.parse(out), process: p });
    });
    p.once('exit', (code, signal) => fail(new Error(`the studio exited (${code ?? signal}): ${err}`)));
  });
}
