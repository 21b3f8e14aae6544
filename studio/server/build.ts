/**
 * Builds the studio's web app (client assets and the server bundle, `studio/build/`) when it is
 * missing or older than its sources, with Vite's own API in a worker thread of this process (the
 * studio never spawns a CLI, `react-router`'s included), under a lock that one build at a time holds.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PalestraError } from '@palestra/envs/core';
import { processAlive } from '@palestra/runtime';
import { buildEnvWorker } from './buildWorker.ts';

/** The studio package's folder. */
export const STUDIO_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
/** What `buildStudio` writes: `client/` (static files) and `server/index.js` (the request handler's build). */
export const BUILD_DIR = join(STUDIO_DIR, 'build');
/** The server bundle; its modification time stamps the build. */
export const SERVER_BUILD = join(BUILD_DIR, 'server', 'index.js');

// Route modules import from server/ too, so both folders are sources; tests are not.
const SOURCE_DIRS = ['app', 'server'];
const SOURCE_FILES = ['vite.config.ts', 'react-router.config.ts', 'package.json'];

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The newest modification time among the app's sources. */
export function sourcesModified(): number {
  let newest = 0;
  for (const d of SOURCE_DIRS) {
    const dir = join(STUDIO_DIR, d);
    if (existsSync(dir)) newest = Math.max(newest, newestIn(dir));
  }
  for (const f of SOURCE_FILES) newest = Math.max(newest, statSync(join(STUDIO_DIR, f)).mtimeMs);
  return newest;
}

/** True when `studio/build/` exists and is at least as new as every source. */
export function buildIsFresh(): boolean {
  return existsSync(SERVER_BUILD) && statSync(SERVER_BUILD).mtimeMs >= sourcesModified();
}

// The build runs in a worker thread: Vite, Rollup and the React Router plugin hold a few hundred MB
// that the server never needs again, and a worker's heap goes back to the system when it exits
// (in this thread it stayed for the server's lifetime). The worker also keeps Vite's NODE_ENV
// to itself (it gets a copy of the environment). Plain JavaScript, run as given: no loader needed;
// no `require` either, so it also runs when the parent was started with --input-type=module.
const BUILD_WORKER = `
import('node:worker_threads').then(async ({ parentPort, workerData }) => {
  try {
    const { createBuilder } = await import(workerData.vite);
    const builder = await createBuilder({
      root: workerData.root,
      configFile: workerData.configFile,
      mode: 'production',
      logLevel: 'warn',
    });
    await builder.buildApp();
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
});
`;

/**
 * Builds the app with Vite's `createBuilder().buildApp()` (React Router's plugin builds the client,
 * then the server) in a worker thread, and returns how long it took. Not locked: `ensureBuild`
 * is what servers and tests call.
 *
 * @example
 * const { ms } = await buildStudio();   // ~10 s on two cores
 */
export async function buildStudio(): Promise<{ ms: number }> {
  const started = performance.now();
  const outcome = await new Promise<{ ok: boolean; error?: string }>((done, fail) => {
    const worker = new Worker(BUILD_WORKER, {
      eval: true,
      workerData: {
        vite: import.meta.resolve('vite'),
        root: STUDIO_DIR,
        configFile: join(STUDIO_DIR, 'vite.config.ts'),
      },
    });
    let message: { ok: boolean; error?: string } | undefined;
    worker.once('message', (m: { ok: boolean; error?: string }) => {
      message = m;
    });
    worker.once('error', fail);
    worker.once('exit', (code) =>
      done(message ?? { ok: false, error: `the build's worker thread exited with code ${code}` }),
    );
  }).catch((e: unknown) => ({ ok: false, error: String(e) }));
  let error = outcome.ok ? undefined : outcome.error;
  // The simulator's Web Worker and QuickJS's WebAssembly go beside the client build (esbuild, in
  // its own process: nothing stays in this one).
  if (error === undefined)
    await buildEnvWorker(join(BUILD_DIR, 'client')).catch((e: unknown) => {
      error = `the simulator's and the live check's workers: ${String(e)}`;
    });
  if (error !== undefined)
    throw new PalestraError('STUDIO_BUILD_FAILED', `the studio's web app did not build: ${error}`, {
      details: { dir: STUDIO_DIR },
      hint: 'fix the error above in studio/app, then start the studio again',
    });
  return { ms: performance.now() - started };
}

/** The build lock: outside `build/` (the build empties its folders), in a folder git ignores. */
export const BUILD_LOCK = join(STUDIO_DIR, 'node_modules', '.cache', 'palestra-studio-build.lock');

/** Options of `withBuildLock`: where the lock is and how long to wait for it (tests shorten both). */
export interface BuildLockOptions {
  /** Default `BUILD_LOCK`. */
  file?: string;
  /** How often a waiter looks again, in ms. Default 250. */
  pollMs?: number;
  /** Give up after this long, in ms. Default 10 minutes (a build takes seconds). */
  timeoutMs?: number;
  /** Told once when another process holds the lock. */
  onWait?: (pid: number | undefined) => void;
}

/** The pid in a lock file; undefined when it is unreadable or torn (just created, not yet written). */
function lockOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` holding the build lock: a file created with O_EXCL (`wx`) holding the owner's pid. A
 * second holder waits until the file is gone; a file whose pid is no longer alive (a build killed
 * halfway) is stale and taken over, as is an empty one older than 10 s. One process may take the
 * lock again only after releasing it (calls in one process queue up like any other waiter).
 *
 * @example
 * await withBuildLock(async () => { if (!buildIsFresh()) await buildStudio(); });
 */
export async function withBuildLock<T>(fn: () => Promise<T>, options: BuildLockOptions = {}): Promise<T> {
  const { file = BUILD_LOCK, pollMs = 250, timeoutMs = 10 * 60_000, onWait } = options;
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = lockOwner(file);
    let age = 0;
    try {
      age = Date.now() - statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile: try again at once
    }
    if (owner === undefined ? age > 10_000 : !processAlive(owner)) {
      // Stale: its builder died. Removed only if it still names the same dead owner.
      if (lockOwner(file) === owner) rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new PalestraError(
        'STUDIO_BUILD_FAILED',
        `waited too long for another build of the studio (${file})`,
        {
          details: { file, pid: owner },
          hint: owner ? `is process ${owner} stuck? stop it, or remove ${file}` : `remove ${file}`,
        },
      );
    if (!told) onWait?.(owner);
    told = true;
    await new Promise((done) => setTimeout(done, pollMs));
  }
  try {
    return await fn();
  } finally {
    if (lockOwner(file) === process.pid) rmSync(file, { force: true });
  }
}

/** What `ensureBuild` did. */
export interface EnsureBuildResult {
  /** True when this call built the app (false: fresh already, or built by the process it waited for). */
  built: boolean;
  ms: number;
  /** True when it waited for another process's build. */
  waited?: boolean;
}

/**
 * Builds the app unless `studio/build/` is fresh; says whether it built and how long it took. Two
 * processes starting at once on a stale build never both write it: the build runs under
 * `withBuildLock`, and whoever gets the lock second finds the build fresh and uses it.
 */
export async function ensureBuild(
  options: BuildLockOptions & { fresh?: () => boolean; build?: () => Promise<{ ms: number }> } = {},
): Promise<EnsureBuildResult> {
  const { fresh = buildIsFresh, build = buildStudio, ...lock } = options;
  if (fresh()) return { built: false, ms: 0 };
  let waited = false;
  return withBuildLock(
    async () => {
      if (fresh()) return { built: false, ms: 0, waited };
      return { built: true, ...(await build()), waited };
    },
    {
      ...lock,
      onWait: (pid) => {
        waited = true;
        lock.onWait?.(pid);
      },
    },
  );
}
