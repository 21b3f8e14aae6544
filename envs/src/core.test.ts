import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/**
 * `@palestra/envs/core` (and `/browser`, built on it) bundles for a browser: no Node built-in is
 * reachable from it. esbuild's platform `browser` fails on any import of one it cannot resolve,
 * and the bundle's inputs and outputs are checked for one that slipped through (a package's
 * `browser` field that disables it, or an import left external). The browser end-to-end test
 * (browser/workerEnv.e2e.test.ts, `npm run test:e2e`) runs what this bundles.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Bundles `export * from spec` for the browser; the esbuild failure's messages, or the metafile. */
async function bundleForBrowser(spec: string) {
  try {
    const r = await esbuild.build({
      stdin: { contents: `export * from '${spec}';`, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    return { metafile: r.metafile, errors: [] as string[] };
  } catch (e) {
    const errors = (e as esbuild.BuildFailure).errors;
    if (!errors) throw e;
    return { metafile: undefined, errors: errors.map((x) => `${x.location?.file ?? ''}: ${x.text}`) };
  }
}

/** Node built-ins among a bundle's inputs (also as `(disabled):x`) and its external imports. */
function nodeBuiltinsIn(metafile: esbuild.Metafile): string[] {
  const inputs = Object.keys(metafile.inputs).filter((i) => BUILTINS.has(i.replace(/^\(disabled\):/, '')));
  const externals = Object.values(metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.external || BUILTINS.has(i.path))
    .map((i) => i.path);
  return [...inputs, ...externals];
}

const ENTRIES = {
  '@palestra/envs/core': [
    'envs/src/kernel/env.ts',
    'envs/src/sandbox/sandbox.ts',
    'envs/src/episode/hash.ts',
  ],
  '@palestra/envs/browser': [
    'envs/src/browser/workerEnv.ts',
    'envs/src/browser/serveEnvWorker.ts',
    'envs/src/kernel/env.ts',
  ],
};

for (const [entry, expected] of Object.entries(ENTRIES)) {
  test(`${entry} bundles for the browser with no Node built-in`, async () => {
    const { metafile, errors } = await bundleForBrowser(entry);
    assert.deepEqual(errors, [], `esbuild (platform browser) failed:\n${errors.join('\n')}`);
    assert.deepEqual(nodeBuiltinsIn(metafile!), []);
    // The whole kernel is in, not an empty module: the check above looked at the real graph.
    const inputs = Object.keys(metafile!.inputs);
    for (const f of expected) assert.ok(inputs.includes(f), `${f} is not in the bundle`);
  });
}

test('the check catches a Node built-in: @palestra/envs/node does not bundle for the browser', async () => {
  const { errors } = await bundleForBrowser('@palestra/envs/node');
  assert.ok(
    errors.some((e) => /Could not resolve "node:fs"/.test(e)),
    `expected an unresolved node:fs, got: ${errors.join('; ')}`,
  );
});

test("the issue's command line: esbuild's CLI bundles `import * as c from '@palestra/envs/core'` from stdin", () => {
  const bin = fileURLToPath(import.meta.resolve('esbuild/bin/esbuild'));
  const r = spawnSync(bin, ['--bundle', '--platform=browser', '--format=esm', '--log-level=error'], {
    cwd: ROOT,
    input: "import * as c from '@palestra/envs/core'",
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr || String(r.error));
  assert.ok(r.stdout.length > 100_000, 'the bundle holds the core');
});
