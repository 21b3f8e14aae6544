import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type EnvSource, openEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { agentStats, slowFlakyAgent } from '@palestra/testing/runtime';
import { randomAgent } from '../agents/random.ts';
import { shouldAddLane } from '../play/shouldAddLane.ts';
import { sleep } from './callAgent.ts';
import { planGroups } from './plan.ts';
import { rollout } from './rollout.ts';

const lake = loadCatalog('frozen-lake');
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `palestra-lanes-${name}-`));

test('shouldAddLane: another episode in flight when the wait it overlaps is worth more than a handle', () => {
  const m = { lanes: 1, waitingEpisodes: 63, turnsPerEpisode: 2, handleMs: 250 };
  // A model that answers in a second per turn: 126 s of waiting left, halved by a second lane.
  assert.equal(shouldAddLane({ ...m, turnMs: 1000 }), true);
  // An agent that answers in microseconds: a handle costs more than any overlap saves.
  assert.equal(shouldAddLane({ ...m, turnMs: 0.01 }), false);
  // Diminishing returns: 1 s turns pay for 22 lanes over this run (a 22nd is added at 21), not 32.
  const most = Array.from({ length: 40 }, (_, i) => i + 1).filter((lanes) =>
    shouldAddLane({ ...m, lanes, turnMs: 1000 }),
  );
  assert.equal(Math.max(...most), 21);
  // Nothing left to start: never.
  assert.equal(shouldAddLane({ ...m, waitingEpisodes: 0, turnMs: 1e6 }), false);
});

/** The real environment, opened `ms` later: a handle that costs what an isolated one costs on a busy machine. */
function slowOpen(ms: number, counter: { opened: number }) {
  return async (s: EnvSource) => {
    counter.opened++;
    await sleep(ms);
    return openEnv(s, { isolate: false });
  };
}

test("episodesInFlight 'auto': an agent that never waits keeps one episode and one handle, whatever the cap", async () => {
  const opened = { opened: 0 };
  const result = await rollout(lake, {
    plans: planGroups(lake.spec, { episodes: 24, group: 4, seed: 2, out: tmp('random') }),
    agent: () => randomAgent(lake.spec, 0),
    concurrency: 32,
    episodesInFlight: 'auto',
    openEnv: slowOpen(40, opened),
  });
  assert.ok(result.episodes.every((e) => e.status === 'complete'));
  assert.equal(result.envHandles, 1);
  assert.equal(opened.opened, 1);
});

test("episodesInFlight 'auto': a slow agent earns more episodes in flight, up to the cap", async () => {
  const stats = agentStats();
  const opened = { opened: 0 };
  const result = await rollout(lake, {
    plans: planGroups(lake.spec, { episodes: 48, group: 4, seed: 3, out: tmp('slow') }),
    agent: () => slowFlakyAgent(lake.spec, stats, { delayMs: 20 }),
    concurrency: 6,
    episodesInFlight: 'auto',
    openEnv: slowOpen(5, opened),
  });
  assert.ok(result.episodes.every((e) => e.status === 'complete'));
  assert.ok(result.envHandles > 1, `${result.envHandles} handles`);
  assert.ok(result.envHandles <= 6, `${result.envHandles} handles, cap 6`);
  assert.ok(stats.maxInFlight > 1 && stats.maxInFlight <= 6, `${stats.maxInFlight} turns in flight`);
});
