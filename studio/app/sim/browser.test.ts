import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

// The simulator runs in the page: it must bundle for a browser, with no Node built-in reachable
// from it (as `@palestra/envs/core` does, envs/src/core.test.ts).
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

test('the simulator bundles for a browser with no Node built-in in it', async () => {
  const r = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./simulator.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(
    inputs.some((f) => f.endsWith('envs/src/core.ts')),
    'the core is bundled in',
  );
  const builtins = [
    ...inputs.filter((f) => BUILTINS.has(f.replace(/^\(disabled\):/, ''))),
    ...Object.values(r.metafile.outputs).flatMap((o) =>
      o.imports.filter((i) => BUILTINS.has(i.path)).map((i) => i.path),
    ),
  ];
  assert.deepEqual(builtins, []);
});
