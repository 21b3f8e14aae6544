import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { evalPlans, evalTasks } from '../eval/evaluate.ts';
import { planGroups, planSeries } from '../rollout/plan.ts';
import { rollout } from '../rollout/rollout.ts';
import { resolveAgent } from './resolve.ts';
import { scriptedAgent } from './scripted.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-scripted-'));
const echo = loadCatalog('echo-target');
const say = (word: string) => [{ tool: 'echo', arguments: { word } }];
const train = ['apple', 'river', 'stone', 'cloud', 'maple', 'tiger'];

function script(name: string, lists: unknown[][]): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ episodes: lists }));
  return path;
}

/** The word each episode said, by the task it played. */
async function said(
  plans: Parameters<typeof rollout>[1]['plans'],
  make: () => ReturnType<typeof scriptedAgent>,
): Promise<{ task: string | null; solved: boolean }[]> {
  const r = await rollout(echo, { plans, agent: make, concurrency: 1 });
  return r.episodes.map((e) => ({ task: e.taskId, solved: e.returnMicros > 0 }));
}

test('eval: list i is played on every seed of the i-th held-out task, in the order eval plays them', async () => {
  const path = script('heldout.json', [say('ocean'), say('ember')]);
  const { tasks } = evalTasks(echo);
  // 3 seeds per task: plan indices 0..5, ocean ×3 then ember ×3 (list i mod 2 by index was 50% right).
  const plans = evalPlans(tasks, 3, 0, join(dir, 'eval'));
  const out = await said(plans, () => resolveAgent(`scripted:${path}`, echo.spec, 0));
  assert.deepEqual(
    out.map((o) => o.task),
    ['ocean', 'ocean', 'ocean', 'ember', 'ember', 'ember'],
  );
  assert.ok(
    out.every((o) => o.solved),
    JSON.stringify(out),
  );
});

test('rollout: list i is played on the i-th training task, whatever order and group the run deals it in', async () => {
  const path = script('train.json', train.map(say));
  const plans = planGroups(echo.spec, { episodes: 24, group: 4, seed: 3, out: join(dir, 'groups') });
  const out = await said(plans, () => scriptedAgent(path, echo.spec));
  assert.equal(new Set(out.map((o) => o.task)).size, 6, 'every training task was played');
  assert.ok(
    out.every((o) => o.solved),
    JSON.stringify(out),
  );
});

test('run: a held-out task drawn by the seed gets the list of its place among held-out tasks', async () => {
  // Lists for the two held-out tasks only: run draws from every task, held-out ones included.
  const path = script('run.json', [say('ocean'), say('ember')]);
  const out = await said(planSeries({ episodes: 24, seed: 0, out: join(dir, 'run') }), () =>
    scriptedAgent(path, echo.spec),
  );
  const held = out.filter((o) => o.task === 'ocean' || o.task === 'ember');
  assert.ok(held.length > 0, 'the seeds drew a held-out task');
  assert.ok(held.every((o) => o.solved));
});

test('a single-task environment, or no spec given: list i is played on episode i of the run', async () => {
  const lake = loadCatalog('frozen-lake');
  const path = script('lake.json', [[{ text: 'a' }], [{ text: 'b' }]]);
  const agent = scriptedAgent(path, lake.spec);
  const noSpec = scriptedAgent(path);
  const input = (episodeIndex: number, taskIndex: number) =>
    ({ episodeIndex, episode: { taskIndex } }) as Parameters<typeof agent.turn>[0];
  const first = (a: typeof agent, i: number, taskIndex: number) => {
    a.startEpisode?.(i, 0);
    return (a.turn(input(i, taskIndex)) as { actions: unknown[] }).actions[0];
  };
  assert.deepEqual(
    [0, 1, 2].map((i) => first(agent, i, 0)),
    [{ text: 'a' }, { text: 'b' }, { text: 'a' }],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => first(noSpec, i, 7)),
    [{ text: 'a' }, { text: 'b' }, { text: 'a' }],
  );
  // With a spec of many tasks, the task decides: episode 0 on task 7 (ember, held-out #1) plays list 1.
  assert.deepEqual(first(scriptedAgent(path, echo.spec), 0, 7), { text: 'b' });
});
