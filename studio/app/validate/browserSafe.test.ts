import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * What the page imports of the live check bundles for a browser, and leaves the checker to the
 * worker: nothing of envs/src/check (the worker's bundle, tested in server/buildWorker.test.ts)
 * and no Node built-in reaches the page.
 */
test("the live check's page modules bundle for a browser without the checker", async () => {
  const dir = fileURLToPath(new URL('./', import.meta.url));
  const r = await esbuild.build({
    stdin: { contents: "export * from './useLiveCheck.ts';", resolveDir: dir, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['react'],
  });
  const inputs = Object.keys(r.metafile.inputs);
  for (const m of ['useLiveCheck', 'liveChecker', 'parseStage', 'pathElements', 'checkWorkerRunner'])
    assert.ok(
      inputs.some((i) => i.endsWith(`studio/app/validate/${m}.ts`)),
      m,
    );
  assert.ok(
    inputs.some((i) => i.endsWith('envs/src/spec/parse.ts')),
    'the parser is on the page',
  );
  assert.deepEqual(
    inputs.filter((i) => i.includes('envs/src/check/') || BUILTINS.has(i.replace(/^\(disabled\):/, ''))),
    [],
  );
  const externals = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external));
  assert.deepEqual(
    externals.map((i) => i.path),
    ['react'],
  );
});
