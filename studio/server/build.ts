/**
 * Builds the studio's web app (client assets and the server bundle, `studio/build/`) when it is
 * missing or older than its sources, with Vite's own API in this process: the studio never spawns
 * a CLI, `react-router`'s included.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalestraError } from '@palestra/envs/core';
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

/**
 * Builds the app with Vite's `createBuilder().buildApp()` (React Router's plugin builds the client,
 * then the server), and returns how long it took.
 *
 * @example
 * const { ms } = await buildStudio();   // ~10 s on two cores
 */
export async function buildStudio(): Promise<{ ms: number }> {
  const started = performance.now();
  const { createBuilder } = await import('vite');
  try {
    const builder = await createBuilder({
      root: STUDIO_DIR,
      configFile: join(STUDIO_DIR, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
    });
    await builder.buildApp();
    // After Vite, which empties build/client: the simulator's worker and QuickJS's WebAssembly.
    await buildEnvWorker(join(BUILD_DIR, 'client'));
  } catch (e) {
    throw new PalestraError('STUDIO_BUILD_FAILED', `the studio's web app did not build: ${String(e)}`, {
      cause: e,
      details: { dir: STUDIO_DIR },
      hint: 'fix the error above in studio/app, then start the studio again',
    });
  }
  return { ms: performance.now() - started };
}

/** Builds the app unless `studio/build/` is fresh; says whether it built and how long it took. */
export async function ensureBuild(): Promise<{ built: boolean; ms: number }> {
  if (buildIsFresh()) return { built: false, ms: 0 };
  return { built: true, ...(await buildStudio()) };
}
