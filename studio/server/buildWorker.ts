/**
 * Builds the page's Web Workers and puts QuickJS's WebAssembly beside them, in the client build's
 * root: the simulator's (`/env-worker.js`), the live check's (`/check-worker.js`, see
 * app/validate/) and `/quickjs.wasm`, which both load.
 *
 * Bundled by esbuild directly rather than as Vite workers: Vite minifies worker bundles, and the
 * sandbox finds the QuickJS glue's clock, time-zone and memory imports by their source text
 * (envs/src/sandbox/engine.ts); a minifier rewrites that text, and the sandbox then refuses to
 * load. esbuild bundles without minifying, as the core's own browser test does.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';

/** Where the page finds them (`WorkerEnv`'s `createWorker` and `wasm`, the live check's runner). */
export const ENV_WORKER_URL = '/env-worker.js';
export const CHECK_WORKER_URL = '/check-worker.js';
export const QUICKJS_WASM_URL = '/quickjs.wasm';

/** Each worker's entry module, by the URL it is served at. */
const ENTRIES = {
  [ENV_WORKER_URL]: '../app/sim/envWorker.ts',
  [CHECK_WORKER_URL]: '../app/validate/checkWorker.ts',
};

/**
 * Writes `env-worker.js`, `check-worker.js` and `quickjs.wasm` into `clientDir` (the build's
 * `client/`); returns the bundles' metafile (what went into each, for the browser-safety test).
 */
export async function buildEnvWorker(clientDir: string): Promise<Metafile> {
  const esbuild = await import('esbuild');
  await mkdir(clientDir, { recursive: true });
  const result = await esbuild.build({
    // Each its own bundle (no shared chunks): a worker loads one script.
    entryPoints: Object.entries(ENTRIES).map(([url, entry]) => ({
      in: fileURLToPath(new URL(entry, import.meta.url)),
      out: url.slice(1).replace(/\.js$/, ''),
    })),
    outdir: clientDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: false,
    metafile: true,
    logLevel: 'warning',
  });
  const wasm = fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  await copyFile(wasm, join(clientDir, QUICKJS_WASM_URL.slice(1)));
  return result.metafile;
}
