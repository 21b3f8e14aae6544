import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { ensureOpenEnvVenv } from '@palestra/testing/openenv';
import { startServer } from './server.ts';

const run = promisify(execFile);

/**
 * OpenEnv's own validator, `openenv validate --url` of openenv 0.10.0 (the `openenv` use's venv),
 * against `palestra serve` of every catalog environment. It must pass every criterion (OpenAPI
 * document with `info.version`, health, metadata, schema, `POST /mcp`, and the mode contract read
 * from the OpenAPI paths). A validator that cannot start fails the test: it is not skipped.
 * An e2e test: one validator run is a ~4 s Python start, seven of them cost ~30 s on 2 cores.
 */
test('openenv validate --url passes on palestra serve of every catalog environment', {
  timeout: 600_000,
}, async () => {
  const python = await ensureOpenEnvVenv();
  const openenv = join(dirname(python), 'openenv');
  const names = catalogNames();
  assert.ok(names.length >= 7, `the catalog has ${names.length} environments`);
  // Two at a time: the machine has 2 cores, and each run is mostly a Python start.
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const server = await startServer(loadCatalog(name), { port: 0 });
      try {
        const { stdout } = await run(openenv, ['validate', '--url', server.url, '--json'], {
          timeout: 120_000,
        }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
          // Exit 1 is a failed validation, with its report on stdout; anything else is a crash.
          if (e.stdout?.trim().startsWith('{')) return { stdout: e.stdout };
          throw new Error(`openenv validate could not run on ${name}: ${e.message}\n${e.stderr ?? ''}`);
        });
        const report = JSON.parse(stdout) as {
          passed: boolean;
          mode: string;
          standard_version: string;
          criteria: { id: string; passed: boolean; details?: string }[];
        };
        const failed = report.criteria.filter((c) => !c.passed);
        assert.deepEqual(failed, [], `${name}: ${JSON.stringify(failed)}`);
        assert.equal(report.passed, true, name);
        assert.equal(report.mode, 'simulation', name);
        assert.equal(report.standard_version, loadCatalog(name).spec.version, name);
        assert.ok(report.criteria.length >= 6, `${name}: ${report.criteria.length} criteria`);
      } finally {
        await server.close();
      }
    }
  };
  await Promise.all([worker(), worker()]);
});
