import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/**
 * The document's modules run in the browser (the editor) and on the server: they bundle for a
 * browser, and everything they pull in is this folder, yjs, lib0 or `@palestra/envs/core`.
 */
test('the document modules bundle for a browser from yjs, lib0 and the core only', async () => {
  const dir = fileURLToPath(new URL('./', import.meta.url));
  const modules = ['schema', 'tree', 'historyTarget', 'fromSpec', 'toSpec', 'edits', 'migrate'];
  const r = await esbuild.build({
    stdin: {
      contents: modules.map((m) => `export * from './${m}.ts';`).join('\n'),
      resolveDir: dir,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs);
  for (const m of modules)
    assert.ok(
      inputs.some((i) => i.endsWith(`studio/app/doc/${m}.ts`)),
      m,
    );
  const allowed = /(^<stdin>$|studio\/app\/doc\/|node_modules\/(yjs|lib0)\/|envs\/src\/)/;
  assert.deepEqual(
    inputs.filter((i) => !allowed.test(i)),
    [],
  );
  const externals = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external));
  assert.deepEqual(externals, []);
});
