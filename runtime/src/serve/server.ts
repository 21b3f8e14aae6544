import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EnvHandle, type EnvSource, makeEnv, PalestraError, REQUEST_LIMITS } from '@palestra/envs';
import { WebSocketServer } from 'ws';
import { ServeCore, type ServeOptions, type ServeOptionsInput, serveOptionsSchema } from './core.ts';
import { handleHttp } from './http.ts';
import { httpRoutes } from './routes.ts';
import { attachSocket } from './wsSession.ts';

export interface EnvServer {
  /** `http://host:port`; the WebSocket endpoint is `ws://host:port/ws`. */
  url: string;
  host: string;
  port: number;
  options: ServeOptions;
  /** WebSocket sessions open now. */
  readonly activeSessions: number;
  /** Environments built for sessions so far: ended sessions' environments are reused. */
  readonly environmentsBuilt: number;
  /** Closes every session (and its environment), then the listener. */
  close(): Promise<void>;
}

/** @internal What tests replace: how a session's environment is built (default `openEnv`). */
export interface ServerHooks {
  buildEnv?: (source: EnvSource) => Promise<EnvHandle>;
}

/**
 * Serves one environment with OpenEnv's wire protocol (`core/env_server`): `GET /health`,
 * `/metadata`, `/schema`, `/state`, `/openapi.json`, `POST /reset`, `/step`, `/mcp`, the task API,
 * a `/web` page to play by hand, and the `/ws` session protocol,
 * so OpenEnv's `EnvClient` (and TRL's OpenEnv integration) can drive Palestra environments.
 *
 * @example
 * const server = await startServer(loadCatalog('refund-desk'), { port: 0, maxSessions: 16 });
 * console.log(`${server.url}/health`);
 * await server.close();
 */
export async function startServer(
  source: EnvSource,
  options: ServeOptionsInput = {},
  hooks: ServerHooks = {},
): Promise<EnvServer> {
  const parsed = serveOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new PalestraError(
      'BAD_SERVE_OPTIONS',
      `invalid server options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const opts = parsed.data;
  const core = new ServeCore(source, await makeEnv(source), opts, hooks.buildEnv);
  // Messages up to 4 bytes per allowed character are read and, past REQUEST_LIMITS, refused with
  // an error message on a socket that stays open; only larger ones make ws close it (1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * REQUEST_LIMITS.maxChars });
  const routes = httpRoutes(core);
  const http = createServer((req, res) => {
    void handleHttp(req, res, routes);
  });
  http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // `?session_id=…` attaches the socket to an existing `POST /mcp` session (OpenEnv ≥ 0.10).
    const sessionId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('session_id') ?? undefined;
    wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws, core, sessionId || undefined));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}`,
    host: opts.host,
    port,
    options: opts,
    get activeSessions() {
      return core.active;
    },
    get environmentsBuilt() {
      return core.environmentsBuilt;
    },
    close() {
      closing ??= (async () => {
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await core.dispose();
      })();
      return closing;
    },
  };
}
