import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ENGINE_VERSIONS } from './record.ts';

const require = createRequire(import.meta.url);

/** The installed version of `pkg`: its package.json, found by walking up from its entry point. */
function installedVersion(pkg: string): string {
  let dir = dirname(require.resolve(pkg));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (json.name === pkg && json.version) return json.version;
    } catch {
      // keep walking up
    }
  }
  throw new Error(`no package.json of ${pkg} above ${require.resolve(pkg)}`);
}

test('the engine versions written into every header are the installed ones', () => {
  const installed = {
    palestra: JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    xstate: installedVersion('xstate'),
    cel: installedVersion('@marcbachmann/cel-js'),
    quickjs: installedVersion('quickjs-emscripten'),
  };
  assert.deepEqual(
    { ...ENGINE_VERSIONS },
    installed,
    'update ENGINE_VERSIONS in envs/src/episode/record.ts to the installed versions (and regenerate the goldens: npm run goldens)',
  );
});
