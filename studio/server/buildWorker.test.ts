import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildEnvWorker, CHECK_WORKER_URL, ENV_WORKER_URL, QUICKJS_WASM_URL } from './buildWorker.ts';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Both workers bundle for a browser with nothing of Node in them: esbuild's platform `browser`
 * fails on a Node built-in it cannot resolve, and one that slipped through (disabled by a
 * package's `browser` field, or left external) is looked for in the metafile. The check worker
 * holds the whole checker (envs/src/check), whose cross-host run starts Node processes.
 */
test('the env and check workers bundle for a browser, with QuickJS beside them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'palestra-workers-'));
  try {
    const metafile = await buildEnvWorker(dir);
    for (const url of [ENV_WORKER_URL, CHECK_WORKER_URL, QUICKJS_WASM_URL])
      assert.ok((await stat(join(dir, url.slice(1)))).size > 100_000, url);
    const outputs = Object.entries(metafile.outputs);
    assert.equal(outputs.length, 2);
    for (const [file, output] of outputs) {
      const inputs = Object.keys(output.inputs);
      assert.deepEqual(
        inputs.filter((i) => BUILTINS.has(i.replace(/^\(disabled\):/, ''))),
        [],
        file,
      );
      assert.deepEqual(
        output.imports.filter((i) => i.external || BUILTINS.has(i.path)),
        [],
        file,
      );
    }
    const check = outputs.find(([file]) => file.endsWith('check-worker.js'))![1];
    const inputs = Object.keys(check.inputs);
    assert.ok(inputs.some((i) => i.endsWith('envs/src/check/check.ts')));
    assert.ok(inputs.some((i) => i.endsWith('envs/src/check/crossHost.ts')));
    // Not minified: the sandbox finds the QuickJS glue's imports by their source text.
    assert.match(await readFile(join(dir, CHECK_WORKER_URL.slice(1)), 'utf8'), /\n {2}\S/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
