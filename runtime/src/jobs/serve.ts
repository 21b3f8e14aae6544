/**
 * The serve job: one environment over HTTP and WebSocket with OpenEnv's protocol, as `palestra
 * serve`, the studio and the provider start it. Serving has no end of its own, so the job resolves
 * as soon as the server listens, with a handle to it: its URL, its sessions, and `close()`.
 */
import { PalestraError } from '@palestra/envs';
import {
  type ServeOptionsInput,
  type ServeOptions as ServerOptions,
  serveOptionsSchema,
} from '../serve/core.ts';
import { listenError } from '../serve/listenError.ts';
import { startServer } from '../serve/server.ts';
import { type EnvRef, jobSource } from './env.ts';
import { type JobContext, throwIfAborted } from './job.ts';

/** Where and how to serve (each field documented on `serveOptionsSchema`), and what. */
export interface ServeOptions extends ServeOptionsInput {
  /** The environment: a catalog name, a folder with `spec.json`, or a loaded source. */
  env: EnvRef;
}

/** A running server. */
export interface ServeHandle {
  /** The environment served, `name@version`. */
  env: string;
  /** `http://host:port`, with the port the system picked for `port: 0`. */
  url: string;
  /** The WebSocket endpoint, `ws://host:port/ws`. */
  wsUrl: string;
  host: string;
  port: number;
  /** The options in force (defaults filled in). */
  options: ServerOptions;
  /** WebSocket sessions open now. */
  readonly activeSessions: number;
  /** Closes every session (and its environment), then the listener. Idempotent. */
  close(): Promise<void>;
  /** Settles once the server is closed, by `close()` or by the job's signal. */
  readonly closed: Promise<void>;
}

/** What the job resolves with: the running server. */
export type ServeResult = ServeHandle;

/** Serving reports nothing on the way: the handle says where it listens, and it changes nothing else. */
export type ServeProgress = never;

/**
 * Starts serving `options.env` and resolves with the handle once the server listens. Aborting
 * `context.signal` closes the server and its sessions (as `handle.close()` does); a studio server
 * keeps the handle for as long as it shows the environment, a CLI awaits `handle.closed`. A port
 * in use or an address not of this machine is a typed error (`PORT_IN_USE`, `HOST_UNAVAILABLE`,
 * …); a signal aborted before the server listens throws `JOB_ABORTED`, and nothing stays open.
 *
 * @example
 * const server = await serve({ env: 'echo-target', port: 0 });
 * await fetch(`${server.url}/health`); // { status: 'healthy' }
 * await server.close();
 */
export async function serve(
  options: ServeOptions,
  context: JobContext<ServeProgress> = {},
): Promise<ServeResult> {
  const { signal } = context;
  throwIfAborted(signal, 'serve');
  const source = await jobSource(options.env);
  const { env: _env, ...serveOptions } = options;
  const server = await startServer(source, serveOptions).catch((e: unknown) => {
    // A socket that could not listen is named by the address it was given (defaults filled in).
    const target = serveOptionsSchema.safeParse(serveOptions);
    throw target.success ? listenError(e, { host: target.data.host, port: target.data.port }) : e;
  });
  // `closed` follows the first close, whoever asks for it (server.close() is idempotent).
  let settle: (done: Promise<void>) => void = () => {};
  const closed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  // A failed close rejects `closed` for whoever awaits it, and is no unhandled rejection otherwise.
  closed.catch(() => undefined);
  const onAbort = () => void close().catch(() => undefined);
  const close = (): Promise<void> => {
    // Closed by the caller: no listener is left behind on a long-lived signal.
    signal?.removeEventListener('abort', onAbort);
    const done = server.close();
    settle(done);
    return done;
  };
  if (signal?.aborted) {
    // Aborted while the server was starting: it never serves.
    await close();
    throw new PalestraError('JOB_ABORTED', 'serve was stopped before the server was listening', {
      hint: 'start it again',
    });
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  const { spec } = source;
  return {
    env: `${spec.name}@${spec.version}`,
    url: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/ws`,
    host: server.host,
    port: server.port,
    options: server.options,
    get activeSessions() {
      return server.activeSessions;
    },
    close,
    closed,
  };
}
