import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  canonicalJson,
  type Episode,
  makeEnv,
  openEnv,
  PalestraError,
  ReplayDivergence,
  readEpisode,
} from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { boomOrRight, echoBoom, echoOracle, TEST_CLI } from '@palestra/testing/runtime';
import { randomAgent } from '../agents/random.ts';
import { planGroups } from '../rollout/plan.ts';
import { rollout } from '../rollout/rollout.ts';
import { branch, branchPoints } from './branch.ts';
import { bar, formatBranchChart } from './chart.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-branch-'));
const lake = loadCatalog('frozen-lake');
const echo = loadCatalog('echo-target');

async function longLakeEpisode(): Promise<{ file: string; ep: Episode }> {
  const out = join(dir, 'lake');
  const r = await rollout(lake, {
    plans: planGroups(lake.spec, { episodes: 12, seed: 1, out }),
    agent: (p) => randomAgent(lake.spec, p.seed),
  });
  const file = r.episodes.sort((a, b) => b.length - a.length)[0]!.file;
  return { file, ep: readEpisode(file) };
}

test('the state restored at step k is exactly the recorded one: playing the recorded step k+1 reproduces it', async () => {
  const { ep } = await longLakeEpisode();
  assert.ok(ep.steps.length >= 4, `a long episode (${ep.steps.length} steps)`);
  const all = Array.from({ length: ep.steps.length + 1 }, (_, j) => j);
  const points = await branchPoints(lake, ep, all);
  assert.equal(points.length, ep.steps.length + 1);
  const env = await makeEnv(lake);
  for (const p of points.slice(0, -1)) {
    env.restore(p.snapshot);
    const next = ep.steps[p.step]!;
    const r = env.step(next.action);
    assert.equal(canonicalJson(r.observation), canonicalJson(next.observation), `step ${p.step + 1}`);
    assert.equal(r.info.rewardMicros, next.reward);
    assert.deepEqual(r.info.state, next.state);
    assert.equal(
      p.prefixMicros,
      ep.steps.slice(0, p.step).reduce((a, s) => a + s.reward, 0),
    );
  }
  assert.equal(points.at(-1)!.ended, true);
  // A record that does not match what the environment does is refused at the first difference.
  const forged = structuredClone(ep);
  forged.steps[1]!.observation.text += ' (edited)';
  await assert.rejects(branchPoints(lake, forged, [3]), (e: unknown) => {
    assert.ok(e instanceof ReplayDivergence);
    assert.equal(e.step, 2);
    assert.equal(e.field, 'observation');
    return true;
  });
  // The library refuses a step past the end with the code the CLI gives, naming the episode's length.
  for (const k of [ep.steps.length + 1, -1])
    await assert.rejects(branchPoints(lake, ep, [k]), (e: unknown) => {
      assert.ok(e instanceof PalestraError);
      assert.equal(e.code, 'STEP_OUT_OF_RANGE');
      assert.match(
        e.message,
        new RegExp(
          `the episode has ${ep.steps.length} steps, so a branch point goes from 0 to ${ep.steps.length}`,
        ),
      );
      assert.ok(e.hint);
      return true;
    });
});

test('values are probabilities, ended states have known outcomes, advantages are their differences', async () => {
  const { ep } = await longLakeEpisode();
  const steps = Array.from({ length: ep.steps.length + 1 }, (_, j) => j);
  const r = await branch(lake, ep, {
    agent: () => randomAgent(lake.spec, 3),
    samples: 8,
    steps,
    concurrency: 3,
  });
  assert.equal(r.values.length, steps.length);
  for (const v of r.values) {
    assert.ok(v.value >= 0 && v.value <= 1, `value at ${v.step}: ${v.value}`);
    assert.equal(v.failed, 0);
  }
  assert.equal(r.values.at(-1)!.value, r.original.success ? 1 : 0);
  assert.equal(r.advantages.length, ep.steps.length);
  for (const a of r.advantages) assert.equal(a.advantage, a.valueAfter - a.valueBefore);
  const again = await branch(lake, ep, {
    agent: () => randomAgent(lake.spec, 3),
    samples: 8,
    steps,
    concurrency: 1,
  });
  assert.deepEqual(again.values, r.values, 'seeded continuations: the same estimates at any concurrency');
  const chart = formatBranchChart(r);
  assert.equal(chart.split('\n').filter((l) => l.includes('▕')).length, steps.length);
});

test('echo-target: a wrong word loses a sure win; the chart says where', async () => {
  const out = join(dir, 'echo');
  const run = await rollout(echo, {
    plans: planGroups(echo.spec, { episodes: 1, seed: 0, out }),
    agent: () => ({
      id: 'wrong',
      turn: () => ({ actions: [{ tool: 'echo', arguments: { word: 'nope' } }] }),
    }),
  });
  const ep = readEpisode(run.episodes[0]!.file);
  const r = await branch(echo, ep, { agent: () => echoOracle(), samples: 4, steps: [0, 1] });
  assert.deepEqual(
    r.values.map((v) => [v.step, v.value, v.samples]),
    [
      [0, 1, 4],
      [1, 0, 0],
    ],
  );
  assert.deepEqual(
    r.advantages.map((a) => [a.step, a.advantage]),
    [[1, -1]],
  );
  const chart = formatBranchChart(r);
  assert.match(chart, /◀ lost here/);
  assert.match(chart, /biggest loss: step 1 \(echo \{"word":"nope"\}\): 1\.00 → 0\.00/);
  assert.equal(bar(1, 4), '████');
  assert.equal(bar(0.5, 4), '██  ');
  assert.equal(bar(0.0625, 2), '▏ ');
});

test('palestra branch --all prints the chart and writes values and advantages as JSON', async () => {
  const { file, ep } = await longLakeEpisode();
  const cli = TEST_CLI;
  const out = join(dir, 'branch.json');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', cli, 'branch', file, '--all', '--samples', '4', '--out', out],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /re-executed bit for bit/);
  assert.match(r.stdout, /chance of success from each step on, by random:0 \(4 samples per step\)/);
  const json = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(json.values.length, ep.steps.length + 1);
  assert.equal(json.advantages.length, ep.steps.length);
});

test('a continuation stopped by an error is failed, by fault: not a loss in the value; a failed recording says so', async () => {
  const source = echoBoom();
  const inThread = (s: typeof source) => openEnv(s, { isolate: false });
  const out = join(dir, 'boom');
  // Two recordings of the same task: one played right, one that broke the environment.
  const r = await rollout(source, {
    plans: planGroups(source.spec, { episodes: 2, seed: 0, out }),
    agent: (p) => boomOrRight(() => p.index === 1, 'test:boom'),
    openEnv: inThread,
  });
  const right = readEpisode(r.episodes[0]!.file);
  // Even samples say "boom" (the environment fails), odd ones the right word (success).
  const report = await branch(source, right, {
    agent: (s) => boomOrRight(() => s % 2 === 0),
    samples: 4,
    steps: [0],
    concurrency: 1,
    openEnv: inThread,
  });
  const v = report.values[0]!;
  assert.equal(v.failed, 2);
  assert.deepEqual(v.faults, { agent: 0, environment: 2 });
  assert.equal(v.samples, 2);
  assert.equal(v.value, 1, 'the failed continuations are not counted as losses');
  assert.deepEqual(report.failed, { failed: 2, agent: 0, environment: 2 });
  assert.deepEqual(
    report.failures.map((f) => [f.step, f.sample, f.code, f.fault]),
    [
      [0, 0, 'EXCEPTION', 'environment'],
      [0, 2, 'EXCEPTION', 'environment'],
    ],
  );
  assert.deepEqual(report.failures[0]!.action, { tool: 'echo', arguments: { word: 'boom' } });
  assert.match(
    formatBranchChart(report),
    /2 continuations failed \(0 agent, 2 environment\), not in the values/,
  );
  // A failed recording is no success, and says where it failed.
  const broken = readEpisode(r.episodes[1]!.file);
  const fromBroken = await branch(source, broken, {
    agent: () => echoOracle(),
    samples: 2,
    steps: [0],
    openEnv: inThread,
  });
  assert.equal(fromBroken.original.success, false);
  assert.equal(fromBroken.original.failure?.fault, 'environment');
  assert.equal(fromBroken.original.failure?.step, 1);
  assert.equal(fromBroken.values[0]!.value, 1, 'the state before the failure can still be won');
  assert.match(formatBranchChart(fromBroken), /recorded: failed at step 1/);
});
