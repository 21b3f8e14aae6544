/**
 * Builds the simulator's Web Worker and puts QuickJS's WebAssembly beside it, in the client
 * build's root (`/env-worker.js`, `/quickjs.wasm`).
 *
 * Bundled by esbuild directly rather than as a Vite worker: Vite minifies worker bundles, and the
 * sandbox finds the QuickJS glue's clock, time-zone and memory imports by their source text
 * (envs/src/sandbox/engine.ts); a minifier rewrites that text, and the sandbox then refuses to
 * load. esbuild bundles without minifying, as the core's own browser test does.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the page finds them (`WorkerEnv`'s `createWorker` and `wasm`). */
export const ENV_WORKER_URL = '/env-worker.js';
export const QUICKJS_WASM_URL = '/quickjs.wasm';

/** Writes `env-worker.js` and `quickjs.wasm` into `clientDir` (the build's `client/`). */
export async function buildEnvWorker(clientDir: string): Promise<void> {
  const esbuild = await import('esbuild');
  await mkdir(clientDir, { recursive: true });
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('../app/sim/envWorker.ts', import.meta.url))],
    outfile: join(clientDir, ENV_WORKER_URL.slice(1)),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: false,
    logLevel: 'warning',
  });
  const wasm = fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  await copyFile(wasm, join(clientDir, QUICKJS_WASM_URL.slice(1)));
}
