import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEnv, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { boomOrRight, echoBoom, echoOracle, TEST_CLI } from '@palestra/testing/runtime';
import { randomAgent } from '../agents/random.ts';
import { formatEvalReport } from '../cli/evalAction.ts';
import { bootstrapMean } from './bootstrap.ts';
import { evalPlans, evalTasks, evaluate } from './evaluate.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-eval-'));
const echo = loadCatalog('echo-target');

test('bootstrap: seeded, the interval holds the estimate, and narrows with more data', () => {
  const xs = [1, 0, 1, 1, 0, 1, 1, 1];
  const a = bootstrapMean(xs, { seed: 3 });
  assert.deepEqual(a, bootstrapMean(xs, { seed: 3 }), 'same seed, same interval');
  assert.equal(a.estimate, 0.75);
  assert.ok(a.low <= a.estimate && a.estimate <= a.high);
  assert.ok(a.low >= 0 && a.high <= 1);
  const many = bootstrapMean(
    Array.from({ length: 64 }, (_, i) => xs[i % 8]!),
    { seed: 3 },
  );
  assert.ok(many.high - many.low < a.high - a.low);
  assert.deepEqual(bootstrapMean([2, 2, 2]), { estimate: 2, low: 2, high: 2, level: 0.95 });
});

test('held-out tasks are used, and both agents play the same (task, seed) pairs', () => {
  const { split, tasks } = evalTasks(echo);
  assert.equal(split, 'eval');
  assert.deepEqual(tasks, [6, 7]);
  const plans = evalPlans(tasks, 3, 10, 'x');
  assert.deepEqual(
    plans.map((p) => [p.taskIndex, p.seed]),
    [
      [6, 10],
      [6, 11],
      [6, 12],
      [7, 10],
      [7, 11],
      [7, 12],
    ],
  );
  assert.deepEqual(evalTasks(loadCatalog('frozen-lake')), { split: 'all', tasks: [0] });
});

test('an always-right agent against random: paired difference with its interval, per-task table', async () => {
  const out = join(dir, 'oracle');
  const report = await evaluate(echo, {
    agent: { label: 'a', make: () => echoOracle() },
    vs: { label: 'b', make: () => randomAgent(echo.spec, 1) },
    episodesPerTask: 5,
    seed: 0,
    out,
  });
  assert.equal(report.complete, true);
  assert.equal(report.a.episodes, 10);
  assert.deepEqual(report.a.successRate, { estimate: 1, low: 1, high: 1, level: 0.95 });
  assert.equal(report.b!.successRate.estimate, 0);
  assert.equal(report.difference!.pairs, 10);
  assert.deepEqual(report.difference!.meanReturn, { estimate: 1, low: 1, high: 1, level: 0.95 });
  assert.deepEqual(
    report.perTask.map((t) => [t.taskId, t.a.successRate, t.b!.successRate]),
    [
      ['ocean', 1, 0],
      ['ember', 1, 0],
    ],
  );
  // The pairs really share task and seed.
  for (const t of ['000006', '000007'])
    for (const s of ['000000', '000004']) {
      const a = readEpisode(join(out, 'a', `task-${t}-seed-${s}.jsonl`));
      const b = readEpisode(join(out, 'b', `task-${t}-seed-${s}.jsonl`));
      assert.deepEqual([a.header.taskIndex, a.header.seed], [b.header.taskIndex, b.header.seed]);
      assert.deepEqual(a.header.observation, b.header.observation);
    }
});

test('palestra eval --vs prints intervals, the paired difference and where the agents differ', () => {
  // The README's held-out script: list i is the i-th held-out task's (ocean, ember), on all 3 seeds of it.
  const script = new URL('../../../examples/echo-heldout.json', import.meta.url).pathname;
  const out = join(dir, 'cli');
  const cli = TEST_CLI;
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'eval',
      'echo-target',
      '--agent',
      `scripted:${script}`,
      '--vs',
      'random',
      '--episodes-per-task',
      '3',
      '--out',
      out,
    ],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 held-out tasks × 3 seeds/);
  assert.match(r.stdout, /a: scripted:echo-heldout\.json │ 6 +│ 0 +│ 100% \[100%, 100%\]/);
  assert.match(
    r.stdout,
    /a − b \(paired\) +│ 6 +│ +│ \+100% \[\+100%, \+100%\] │ \+1\.000 \[\+1\.000, \+1\.000\]/,
  );
  assert.match(r.stdout, /a is better/);
  assert.match(r.stdout, /tasks where they differ \(2 of 2\)/);
  const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
  assert.equal(report.difference.successRate.estimate, 1);
});

test('failed episodes are counted per agent and by fault, and left out of the scores and the pairs', async () => {
  // Agent a breaks the environment on every "ember" task (7); b is always right.
  const source = echoBoom();
  const report = await evaluate(source, {
    agent: { label: 'a', make: () => boomOrRight((w) => w === 'ember') },
    vs: { label: 'b', make: () => echoOracle() },
    episodesPerTask: 2,
    seed: 0,
    out: join(dir, 'boom'),
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.deepEqual(report.a.failed, { failed: 2, agent: 0, environment: 2 });
  assert.deepEqual(report.b!.failed, { failed: 0, agent: 0, environment: 0 });
  assert.equal(report.failed, 2);
  assert.equal(report.complete, false);
  // Only the pairs a completed: with its failures scored as losses a would be at 50%.
  assert.equal(report.a.episodes, 2);
  assert.equal(report.a.successRate.estimate, 1);
  assert.equal(report.difference!.pairs, 2);
  assert.deepEqual(
    report.perTask.map((t) => t.taskId),
    ['ocean'],
  );
});

test('an eval where every episode failed names the first failure and says nothing was measured', async () => {
  const report = await evaluate(echoBoom({ always: true }), {
    agent: { label: 'a', make: () => echoOracle() },
    episodesPerTask: 1,
    seed: 0,
    out: join(dir, 'all-failed'),
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.equal(report.failed, 2);
  assert.equal(report.a.episodes, 0);
  assert.equal(report.a.firstFailure?.fault, 'environment');
  const text = formatEvalReport(report);
  assert.match(text, new RegExp(`first failure: ${report.a.firstFailure!.code}: .*boom`));
  assert.match(text, /nothing was measured, this is not a result/);
  assert.doesNotMatch(text, /NaN/, 'an interval over no episodes is a dash');
});
