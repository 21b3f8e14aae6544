/**
 * `startStudio`: the studio in one Node process. It builds the web app if needed, serves it with
 * express (static assets and React Router's request handler), and records itself in
 * `<dir>/server.json` so that a second studio, and the CLI, can find it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PalestraError } from '@palestra/envs/core';
import type { Express, Request, Response } from 'express';
import type { ServerBuild } from 'react-router';
import { guardRequests } from './auth/guardRequests.ts';
import { createMembership, type Membership } from './auth/members.ts';
import { loadSecret, readCookie, SESSION_COOKIE, sessionCookieHeader } from './auth/sessionCookie.ts';
import { BUILD_DIR, ensureBuild, SERVER_BUILD } from './build.ts';
import type { StudioContext } from './context.ts';
import { createRepository, DEFAULT_WORKSPACE_ID, type OpenedDatabase, openDatabase } from './db/index.ts';
import './errorCodes.ts';
import { processAlive } from '@palestra/runtime';
import { stopChecks } from './checkStatus.ts';
import { attachCollab, type Collab } from './collab/attachCollab.ts';
import { MAX_IMPORT_BODY } from './importSpec.ts';
import { abortAllJobs } from './jobs.ts';
import { type IndexResult, indexRuns, registerRunFolder } from './runsIndex.ts';
import { stopLayout, warmLayout } from './serverLayout.ts';

/** Options of `startStudio`. */
export interface StartStudioOptions {
  /** TCP port (0 picks a free one). Default 5199. */
  port?: number;
  /** Address to listen on; the default only accepts connections from this machine. */
  host?: string;
  /** The studio's data folder, where `server.json` goes. Default `.palestra/studio` (from the cwd). */
  dir?: string;
  /** Where notices go (a stale server.json replaced, a build). Default: console.error. */
  log?: (line: string) => void;
  /** A PostgreSQL server's URL. Default: `DATABASE_URL`; without either, PGlite in `<dir>/db`. */
  databaseUrl?: string;
  /** The run folders indexed on start. Default `.palestra/runs` (from the cwd). */
  runsDir?: string;
  /** The content store imports write to. Default `.palestra/store` (from the cwd). */
  storeDir?: string;
  /**
   * Start the layout thread at once, so that the first page opened does not pay for loading it.
   * `palestra studio` does; tests and embedders that start many studios leave it off (default).
   */
  warm?: boolean;
}

/** A running studio. */
export interface Studio {
  /** `http://host:port/`, with the port the system picked for port 0. */
  url: string;
  /**
   * The address invite links name: `url`, or on a wildcard host (`0.0.0.0`) this machine's
   * external address, which colleagues on the same network can open.
   */
  shareUrl: string;
  port: number;
  /** The secret of this run, also in server.json: loopback clients prove they read that file. */
  token: string;
  /** Whether this start built the app, and how long that took. */
  build: { built: boolean; ms: number };
  /** The run folders indexed on start. */
  indexed: IndexResult;
  /** What loaders and actions get: the repository and the folders. */
  context: StudioContext;
  /** Members, sessions and invites (`auth/members.ts`). */
  membership: Membership;
  /** The collaborative documents (`collab/attachCollab.ts`): their store and open rooms. */
  collab: Collab;
  /** Stops serving, closes the database and removes server.json. */
  close(): Promise<void>;
}

/** What `<dir>/server.json` holds while a studio runs. */
export interface ServerInfo {
  pid: number;
  port: number;
  token: string;
}

/** Reads server.json; anything that is not one (missing, torn, hand-edited) reads as none. */
export function readServerInfo(file: string): ServerInfo | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { pid, port, token } = raw as Record<string, unknown>;
  if (!Number.isInteger(pid) || (pid as number) <= 0) return undefined;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) return undefined;
  if (typeof token !== 'string') return undefined;
  return { pid: pid as number, port: port as number, token };
}

/**
 * The address colleagues open (invite links): the listening address, or for a wildcard one
 * (`0.0.0.0`, `::`) this machine's first external IPv4 address, since a link to 127.0.0.1 works
 * only here.
 */
function shareUrlOf(host: string, port: number): string {
  if (host !== '0.0.0.0' && host !== '::') return urlOf(host, port);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && !a.internal && a.family === 'IPv4');
  return urlOf(external?.address ?? '127.0.0.1', port);
}

function urlOf(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${h}:${port}/`;
}

/** Refuses when a live studio owns `file`; removes a stale one with a notice. */
function claim(file: string, host: string, log: (line: string) => void): void {
  const info = readServerInfo(file);
  if (info && processAlive(info.pid))
    throw new PalestraError(
      'STUDIO_RUNNING',
      `a studio already runs at ${urlOf(host, info.port)} (pid ${info.pid}, ${file})`,
      {
        details: { file, pid: info.pid, port: info.port },
        hint: `open ${urlOf(host, info.port)}, or stop that process (kill ${info.pid}) and start again`,
      },
    );
  try {
    readFileSync(file);
  } catch {
    return;
  }
  log(
    info
      ? `notice: replacing ${file}: its studio (pid ${info.pid}) is no longer running`
      : `notice: replacing ${file}: it is not a studio's server.json`,
  );
  rmSync(file, { force: true });
}

// PGlite's first open of a folder runs initdb, whose WebAssembly memory (~600 MB) stays in the
// process until a full garbage collection that an idle server may not run for a long while
// (measured with `palestra studio` in a fresh folder: 927–938 MB resident right after start, as
// the benchmark saw; 559–617 MB with this). In a worker thread, that memory goes with the thread;
// the studio then opens the initialised folder. Plain CommonJS, run as given: no loader needed.
const PGLITE_INIT = `
const { workerData } = require('node:worker_threads');
import(workerData.pglite)
  .then(({ PGlite }) => PGlite.create(workerData.dir))
  .then((db) => db.close());
`;

/**
 * Initialises a new PGlite folder in a worker thread (see `PGLITE_INIT`). Best effort: on any
 * failure the folder is left to `openDatabase`, which initialises it itself and reports errors.
 */
async function initPgliteAside(dbDir: string): Promise<void> {
  if (existsSync(join(dbDir, 'PG_VERSION'))) return;
  await new Promise<void>((done) => {
    const worker = new Worker(PGLITE_INIT, {
      eval: true,
      workerData: { pglite: import.meta.resolve('@electric-sql/pglite'), dir: dbDir },
    });
    worker.once('error', () => done());
    worker.once('exit', () => done());
  });
}

/** How this process reaches its own server: loopback when it listens on every address. */
function selfUrlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  const reach = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}/`;
}

async function listen(app: Express, port: number, host: string) {
  return await new Promise<Server>((done, fail) => {
    const server = app.listen(port, host);
    server.once('listening', () => done(server));
    server.once('error', (e: NodeJS.ErrnoException) => {
      fail(
        e.code === 'EADDRINUSE'
          ? new PalestraError('STUDIO_PORT_BUSY', `port ${port} on ${host} is taken by another program`, {
              cause: e,
              details: { port, host },
              hint: 'choose another with --port (0 picks a free one)',
            })
          : e,
      );
    });
  });
}

/**
 * Starts the studio: builds `studio/build/` if it is missing or older than the sources, serves it
 * on `host:port`, and writes `<dir>/server.json` ({ pid, port, token }). Refuses with
 * `STUDIO_RUNNING` when a live studio already owns `dir`; a server.json whose process is gone is
 * replaced with a notice.
 *
 * @example
 * const studio = await startStudio({ port: 0, dir: tmp });
 * await fetch(studio.url);
 * await studio.close();
 */
export async function startStudio(options: StartStudioOptions = {}): Promise<Studio> {
  const { port = 5199, host = '127.0.0.1', log = (line: string) => console.error(line) } = options;
  const dir = resolve(options.dir ?? '.palestra/studio');
  const file = join(dir, 'server.json');
  mkdirSync(dir, { recursive: true });
  claim(file, host, log);

  // One process owns PGlite's folder: opened only once the claim above says no other studio runs.
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) await initPgliteAside(join(dir, 'db'));
  const database = await openDatabase({
    dir: join(dir, 'db'),
    url,
    thread: true,
  });
  try {
    return await serve(options, { file, host, port, log, database });
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
}

async function serve(
  options: StartStudioOptions,
  at: {
    file: string;
    host: string;
    port: number;
    log: (line: string) => void;
    database: OpenedDatabase;
  },
): Promise<Studio> {
  const { file, host, port, log, database } = at;
  const context: StudioContext = {
    repo: createRepository(database.db),
    storeDir: resolve(options.storeDir ?? '.palestra/store'),
    runsDir: resolve(options.runsDir ?? '.palestra/runs'),
  };
  if (options.warm) warmLayout();
  const indexed = await indexRuns(context.repo, context.runsDir);
  for (const { folder, reason } of indexed.skipped)
    log(`notice: run folder ${folder} not indexed: ${reason}`);

  // The studio serves a production build, and React picks its development or production bundle by
  // NODE_ENV when it is first loaded: set it before anything loads React (express's adapter is
  // imported below for that reason), or Vite's build flips it after React has loaded and the two
  // bundles mix ("dispatcher.getOwner is not a function").
  process.env.NODE_ENV ??= 'production';
  const [{ default: express }, { createRequestHandler }] = await Promise.all([
    import('express'),
    import('@react-router/express'),
  ]);
  const build = await ensureBuild({
    onWait: (pid) =>
      log(`waiting for another build of the studio${pid ? ` (process ${pid})` : ''} to finish`),
  });
  if (build.built) log(`built the studio in ${(build.ms / 1000).toFixed(1)} s`);
  // The file's time in the URL: a build made after an earlier import in this process is loaded anew.
  const { mtimeMs } = statSync(SERVER_BUILD);
  const serverBuild = (await import(`${pathToFileURL(SERVER_BUILD).href}?t=${mtimeMs}`)) as ServerBuild;

  const token = randomBytes(32).toString('hex');
  const membership = createMembership(database.db, loadSecret(dirname(file)));
  await membership.prune();
  let studioUrl = '';
  const app = express();
  app.disable('x-powered-by');
  app.post('/api/runs', express.text({ type: () => true, limit: '64kb' }), runsApi(context, token));
  app.post(
    '/api/invites',
    express.text({ type: () => true, limit: '4kb' }),
    invitesApi(membership, token, () => studioUrl),
  );
  app.get('/invite/:token', invitePage(membership));
  // Vite fingerprints everything under assets/: cache it for good.
  app.use('/assets', express.static(join(BUILD_DIR, 'client', 'assets'), { immutable: true, maxAge: '1y' }));
  app.use(express.static(join(BUILD_DIR, 'client'), { maxAge: '1h' }));
  // An import over the limit is refused before its body is read (the action checks the file too).
  app.post(['/import', '/import.data'], (req, res, next) => {
    const length = Number(req.headers['content-length']);
    if (!(length > MAX_IMPORT_BODY)) return next();
    res.status(413).set('Connection', 'close').type('html').send(tooLargePage);
  });
  app.use(ownerCookie(membership));
  // Workspaces: one environment's or one run's pages only for members of its workspace.
  app.use(guardRequests(context, membership));
  app.use(
    createRequestHandler({
      build: serverBuild,
      mode: 'production',
      getLoadContext: () => ({ studio: context, membership }),
    }),
  );

  // Checked again right before listening: another studio may have claimed the folder while we built.
  claim(file, host, log);
  const server = await listen(app, port, host);
  context.selfUrl = selfUrlOf(server, host);
  // The collaborative documents, on the same port: WebSocket upgrades at /collab/<environment-id>.
  const collab = attachCollab(server, database.db, {
    log,
    // Other studios on the same PostgreSQL server serve these documents too.
    relay: database.newClient && { connect: database.newClient },
    seed: async (id) => {
      const { environmentSource } = await import('./environmentSource.ts');
      const env = await environmentSource(context, id);
      return env?.kind === 'studio' ? { spec: env.spec, files: env.files } : undefined;
    },
    authenticate: async (req, id) => {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      const given = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;
      const auth = await membership.authenticate({ cookie, token: given });
      if (!auth.ok) return auth;
      // A member of another workspace: 403 for a document of an environment that exists, 404
      // (said by attachCollab) for one that does not.
      const role = await membership.environmentRole(auth.member.id, id);
      if (role) return { ok: true, readOnly: role === 'viewer' };
      return (await context.repo.getEnvironment(id))
        ? { ok: false, status: 403 }
        : { ok: true, readOnly: true };
    },
  });
  const actual = (server.address() as AddressInfo).port;
  studioUrl = shareUrlOf(host, actual);
  context.shareUrl = studioUrl;
  writeFileSync(file, `${JSON.stringify({ pid: process.pid, port: actual, token } satisfies ServerInfo)}\n`, {
    mode: 0o600,
  });

  let closed: Promise<void> | undefined;
  return {
    url: urlOf(host, actual),
    shareUrl: studioUrl,
    port: actual,
    token,
    build,
    indexed,
    context,
    membership,
    collab,
    close() {
      // Running jobs stop at a safe point first (a rollout's folder stays resumable).
      closed ??= abortAllJobs()
        // The documents' pending updates are committed before the database closes.
        .then(() => collab.close())
        .then(
          () =>
            new Promise<void>((done) => {
              // Only our own record: a later studio may have replaced it.
              if (readServerInfo(file)?.token === token) rmSync(file, { force: true });
              server.close(() => done());
              server.closeAllConnections();
            }),
        )
        .then(() => database.close())
        // Worker threads would keep the process alive: the layout thread's port (unref'd or not),
        // and a check until its end.
        .then(() => Promise.all([stopLayout(), stopChecks()]))
        .then(() => {});
      return closed;
    },
  };
}

/** True when the request carries `authorization: Bearer <token>` (compared in constant time). */
function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** 401 for a loopback API call without the token of server.json. */
function refuseUnauthorized(res: Response): void {
  res.status(401).json({
    code: 'STUDIO_UNAUTHORIZED',
    message: "this request lacks the studio's token: send authorization: Bearer <token of server.json>",
  });
}

/**
 * `POST /api/runs` with `{ "folder": "<path>" }` and `authorization: Bearer <token>` (the token
 * of server.json): how a CLI command that wrote a run folder registers it while the studio runs.
 * Answers 200 `{ ok, folder, kind }`; 401 without the token; 400 `{ code, message }` for a body
 * that is not `{ folder }`, a folder outside the runs folder, or one without episode files.
 */
function runsApi(context: StudioContext, token: string) {
  return async (req: Request, res: Response) => {
    if (!authorized(req.headers.authorization, token)) return refuseUnauthorized(res);
    let folder: unknown;
    try {
      folder = (JSON.parse(typeof req.body === 'string' ? req.body : '') as { folder?: unknown }).folder;
    } catch {
      folder = undefined;
    }
    if (typeof folder !== 'string' || folder === '') {
      res
        .status(400)
        .json({ code: 'STUDIO_BAD_REQUEST', message: 'the body must be JSON: { "folder": "<path>" }' });
      return;
    }
    try {
      const outcome = await registerRunFolder(context.repo, context.runsDir, folder);
      if (outcome.ok) res.json(outcome);
      else res.status(400).json({ code: outcome.code, message: outcome.message });
    } catch (e) {
      res
        .status(500)
        .json({ code: 'STUDIO_RUN_NOT_REGISTERED', message: e instanceof Error ? e.message : String(e) });
    }
  };
}

/** True for a connection from this machine. */
function fromLoopback(req: Request): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Whether the request names this machine in its `Host` (localhost, 127.x, [::1]). A page of another
 * site whose name an attacker pointed at 127.0.0.1 (DNS rebinding) reaches the studio from loopback
 * with its own name as the host, and its `Origin` equal to it: only the host shows it is not local.
 */
function localHost(req: Request): boolean {
  try {
    const { hostname } = new URL(`http://${req.headers.host ?? ''}`);
    return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
  } catch {
    return false;
  }
}

/**
 * The local default: a page request (GET) from loopback without a valid session gets the owner's
 * signed session cookie, so the person who ran `palestra studio` is signed in on the first page
 * they open (the collaboration socket itself never signs anyone in: its upgrade needs the cookie).
 * Any other loopback request without a session (a script's POST) is the owner's too, unless a
 * browser says it comes from another site's page (its `Origin`): that page must not act as the
 * owner; nor may a page that reaches loopback under another site's name (`localHost`). Anyone
 * else signs in through an invite link. Behind a reverse proxy on this machine
 * every visitor would look local: expose the studio with `host`, not through a local proxy.
 */
function ownerCookie(membership: Membership) {
  // One session for the cookie-less requests of scripts, instead of a new row for each.
  let scripts: Promise<string> | undefined;
  return async (req: Request, res: Response, next: () => void) => {
    if (!fromLoopback(req) || !localHost(req)) return next();
    try {
      if (await membership.sessionMember(readCookie(req.headers.cookie, SESSION_COOKIE))) return next();
      let signed: string;
      if (req.method === 'GET') {
        signed = (await membership.ownerSession()).signed;
        res.append('Set-Cookie', sessionCookieHeader(signed));
      } else {
        if (!sameOrigin(req)) return next();
        scripts ??= membership.ownerSession().then((s) => s.signed);
        scripts.catch(() => (scripts = undefined));
        signed = await scripts;
      }
      // This very request is the owner's too: its loader (who is here, may they edit) sees the
      // session it just got instead of a stranger on a first visit.
      // A stale session cookie (expired, or of another studio's key) goes: read first, it would win.
      const others = (req.headers.cookie ?? '')
        .split(';')
        .filter((part) => part.trim() !== '' && part.split('=')[0]?.trim() !== SESSION_COOKIE);
      req.headers.cookie = [...others.map((p) => p.trim()), `${SESSION_COOKIE}=${signed}`].join('; ');
    } catch {
      // The page still loads; its socket is refused and says why.
    }
    next();
  };
}

/** A request with no `Origin` (a script), or one whose origin is this studio's own address. */
function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * `POST /api/invites` with `{ "role": "editor" | "viewer", "workspace"?: "<name or id>" }`
 * (default editor, into the default workspace) and the token of server.json: what `palestra
 * studio invite` calls. Answers `{ url, role, workspace: { id, name }, expiresAt }`; 400
 * `STUDIO_WORKSPACE_NOT_FOUND` with the workspaces in `workspaces` for an unknown one.
 */
function invitesApi(membership: Membership, token: string, studioUrl: () => string) {
  return async (req: Request, res: Response) => {
    if (!authorized(req.headers.authorization, token)) return refuseUnauthorized(res);
    let body: { role?: unknown; workspace?: unknown } | undefined;
    try {
      const text = typeof req.body === 'string' && req.body !== '' ? req.body : '{}';
      body = JSON.parse(text) as { role?: unknown; workspace?: unknown };
    } catch {
      body = undefined;
    }
    const role = body?.role ?? 'editor';
    const wanted = body?.workspace;
    if ((role !== 'editor' && role !== 'viewer') || (wanted !== undefined && typeof wanted !== 'string')) {
      res.status(400).json({
        code: 'STUDIO_BAD_REQUEST',
        message: 'the body must be JSON: { "role": "editor" | "viewer", "workspace"?: "<name or id>" }',
      });
      return;
    }
    const all = await membership.listWorkspaces();
    const workspace =
      wanted === undefined
        ? all.find((w) => w.id === DEFAULT_WORKSPACE_ID)
        : (all.find((w) => w.id === wanted) ?? all.find((w) => w.name === wanted));
    if (!workspace) {
      res.status(400).json({
        code: 'STUDIO_WORKSPACE_NOT_FOUND',
        message: `no workspace is named or has the id ${JSON.stringify(wanted ?? DEFAULT_WORKSPACE_ID)}`,
        hint:
          all.length === 0
            ? 'this studio has no workspace yet: open it once to make the default one'
            : `the workspaces: ${all.map((w) => `${JSON.stringify(w.name)} (id ${w.id})`).join(', ')}`,
        workspaces: all.map((w) => ({ id: w.id, name: w.name })),
      });
      return;
    }
    const invite = await membership.createInvite(role, { workspaceId: workspace.id });
    res.json({
      url: `${studioUrl()}invite/${invite.token}`,
      token: invite.token,
      role,
      workspace: { id: workspace.id, name: workspace.name },
      expiresAt: invite.expiresAt.toISOString(),
    });
  };
}

/**
 * `GET /invite/<token>[?name=…]`: an unused invite creates its member (named by `name`, as
 * `palestra studio invite --name` writes it into the link: what colleagues see beside this
 * person's cursor), sets its session cookie, opens `/`. A person already signed in in this
 * browser joins the invite's workspace as themselves instead: one person, several workspaces.
 */
function invitePage(membership: Membership) {
  return async (req: Request, res: Response) => {
    const name = memberName(req.query.name);
    const signedIn = await membership
      .sessionMember(readCookie(req.headers.cookie, SESSION_COOKIE))
      .catch(() => undefined);
    const redeemed = await membership
      .redeemInvite(String(req.params.token ?? ''), name, signedIn?.id)
      .catch(() => undefined);
    if (!redeemed) {
      res.status(410).type('html').send(usedInvitePage);
      return;
    }
    res.append('Set-Cookie', sessionCookieHeader(redeemed.signed));
    res.redirect(303, '/');
  };
}

/** A member's name from a link: trimmed, control characters out, at most 40 characters. */
function memberName(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const name = [...raw]
    .filter((c) => c >= ' ' && c !== '\u007f')
    .join('')
    .trim()
    .slice(0, 40);
  return name === '' ? undefined : name;
}

const usedInvitePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invite not valid · Palestra Studio</title></head>
<body><main><h1>This invite is not valid</h1><p>It was used already, or it expired (invites last seven days). Ask for a new one: <code>palestra studio invite</code>.</p></main></body></html>`;

/** The page a too-large import gets (no React here: the body was never read). */
const tooLargePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>File too large · Palestra Studio</title></head>
<body><main><h1>File too large</h1><p>The file is over the import limit of 10 MB. A GymSpec is usually a few kilobytes: check that you chose the spec.json file.</p>
<p><a href="/">Back to the environments</a></p></main></body></html>`;
