import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG_DIR, loadCatalog } from '../../catalog/index.ts';
import { envSource } from '../kernel/source.ts';
import { checkEnv } from './check.ts';

const options = {
  episodes: 8,
  crossHost: false as const,
  graphBudget: 200,
  wideTasks: 1,
  tasks: 1,
  graphRounds: 1,
};

function lakeWith(observation: unknown) {
  const spec = JSON.parse(readFileSync(join(CATALOG_DIR, 'frozen-lake', 'spec.json'), 'utf8'));
  spec.spaces.observation = observation;
  return envSource(spec, {});
}

test("palestra check passes frozen-lake's spaces, counting the observations it judged", async () => {
  const report = await checkEnv(loadCatalog('frozen-lake'), options);
  const f = report.findings.find((x) => x.check === 'spaces');
  assert.equal(f?.level, 'ok', JSON.stringify(f));
  assert.match(
    f!.message,
    /action Discrete\(4\) → 4 tool calls .* observation Discrete\(16\): \d+ observations in the space/,
  );
});

test('an observation space the expression leaves is an error naming the expression and the step', async () => {
  // position runs over 0..15: Discrete(8) is left as soon as the agent reaches row 2.
  const report = await checkEnv(lakeWith({ type: 'Discrete', n: 8, expr: 'position' }), options);
  const f = report.findings.find((x) => x.check === 'spaces');
  assert.equal(f?.level, 'error', JSON.stringify(f));
  assert.equal(f!.code, 'BAD_OBSERVATION');
  assert.equal(f!.where, '$.spaces.observation.expr');
  assert.match(f!.message, /at step \d+ of seed \d+.*outside \[0, 8\)/);
  assert.equal(report.ok, false);
});

test('an expression that fails on real observations is EXPR_FAILED', async () => {
  const report = await checkEnv(lakeWith({ type: 'Discrete', n: 16, expr: 'json.missing.x' }), options);
  const f = report.findings.find((x) => x.check === 'spaces');
  assert.equal(f?.code, 'EXPR_FAILED', JSON.stringify(f));
});

test('an environment without spaces has no spaces finding', async () => {
  const report = await checkEnv(loadCatalog('echo-target'), options);
  assert.equal(
    report.findings.find((x) => x.check === 'spaces'),
    undefined,
  );
});
