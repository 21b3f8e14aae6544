import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EnvSnapshot, type EnvSource, openEnv, PalestraError } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import type { Agent } from '../agents/agent.ts';
import { randomAgent } from '../agents/random.ts';
import { sleep } from '../rollout/callAgent.ts';
import type { PlayOutcome } from './playEpisode.ts';
import { type LaneEpisode, playLanes } from './playLanes.ts';

const lake = loadCatalog('frozen-lake');
const inThread = (s: EnvSource) => openEnv(s, { isolate: false });
const fromReset = (seed: number): LaneEpisode => ({
  agent: randomAgent(lake.spec, seed),
  start: { reset: { seed } },
  episodeIndex: seed,
  agentSeed: seed,
});

/** A random agent that takes `ms` per turn (a timer, like a model call) and counts the turns in flight. */
function slow(seed: number, ms: number, seen: { now: number; most: number }): Agent {
  const inner = randomAgent(lake.spec, seed);
  return {
    id: 'test:slow-random',
    startEpisode: (i, s) => inner.startEpisode?.(i, s),
    async turn(input) {
      seen.now++;
      seen.most = Math.max(seen.most, seen.now);
      try {
        await sleep(ms, input.signal);
        return inner.turn(input);
      } finally {
        seen.now--;
      }
    },
  };
}

test('every job is reported once; turns in flight stay under the cap, handles under the lanes and reused', async () => {
  const seen = { now: 0, most: 0 };
  const outcomes = new Map<number, PlayOutcome>();
  const jobs = Array.from({ length: 12 }, (_, i) => i);
  const r = await playLanes(lake, jobs, {
    concurrency: 2,
    episodesInFlight: 4,
    openEnv: inThread,
    episode: (seed) => ({ ...fromReset(seed), agent: slow(seed, 2, seen) }),
    onEpisode: (seed, o, counts) => {
      assert.ok(!outcomes.has(seed), `job ${seed} reported once`);
      assert.ok(counts.episodesInFlight <= 4);
      outcomes.set(seed, o);
    },
  });
  assert.deepEqual(
    [...outcomes.keys()].sort((a, b) => a - b),
    jobs,
  );
  assert.ok([...outcomes.values()].every((o) => o.status === 'complete' && !o.failure));
  assert.equal(
    r.turns,
    [...outcomes.values()].reduce((a, o) => a + o.turns, 0),
  );
  assert.equal(
    r.steps,
    [...outcomes.values()].reduce((a, o) => a + o.length, 0),
  );
  assert.ok(seen.most > 1 && seen.most <= 2, `${seen.most} turns in flight, cap 2`);
  assert.equal(r.maxTurnsInFlight, seen.most);
  assert.equal(r.envHandles, 4, 'one handle a lane, reused by the next episodes');
});

test('a handle that cannot open fails its job with the environment; the lane goes on', async () => {
  let opens = 0;
  const outcomes: [number, PlayOutcome][] = [];
  await playLanes(lake, [0, 1, 2], {
    concurrency: 1,
    openEnv: (s) => {
      if (opens++ === 0)
        throw new PalestraError('ENV_START', 'the worker did not start', { hint: 'try again' });
      return inThread(s);
    },
    episode: fromReset,
    onEpisode: (job, o) => outcomes.push([job, o]),
  });
  assert.deepEqual(
    outcomes.map(([job, o]) => [job, o.status, o.failure?.code ?? null, o.failure?.fault ?? null]),
    [
      [0, 'failed', 'ENV_START', 'environment'],
      [1, 'complete', null, null],
      [2, 'complete', null, null],
    ],
  );
  assert.equal(outcomes[0]![1].failure!.hint, 'try again');
  assert.equal(outcomes[0]![1].info, undefined, 'never started');
});

test('a start that throws fails its job, and its handle is replaced', async () => {
  const outcomes: [number, PlayOutcome][] = [];
  let opens = 0;
  // A snapshot of another environment: restoring it throws.
  const forged = { v: 1, spec: { name: 'elsewhere', version: '0' } } as EnvSnapshot;
  const info = { seed: 1, taskIndex: 0, taskId: 'x', instructions: '', state: [] };
  const restoreForged: LaneEpisode = {
    ...fromReset(1),
    start: {
      restore: { snapshot: forged, observation: { text: '', json: {} }, step: 0, prefixMicros: 0 },
      info,
    },
  };
  await playLanes(lake, [0, 1, 2], {
    concurrency: 1,
    openEnv: (s) => {
      opens++;
      return inThread(s);
    },
    episode: (seed) => (seed === 1 ? restoreForged : fromReset(seed)),
    onEpisode: (job, o) => outcomes.push([job, o]),
  });
  assert.deepEqual(
    outcomes.map(([job, o]) => [job, o.status, o.failure?.fault ?? null]),
    [
      [0, 'complete', null],
      [1, 'failed', 'environment'],
      [2, 'complete', null],
    ],
  );
  assert.equal(opens, 2, 'the handle the failed restore left was closed and a fresh one opened');
});

test('abort: episodes in flight end interrupted, jobs not taken up are never reported', async () => {
  const controller = new AbortController();
  const seen = { now: 0, most: 0 };
  const outcomes: [number, PlayOutcome][] = [];
  // Job 5 never ends on its own (empty replies move nobody) and stops the run at its second turn.
  const stopper: Agent = {
    id: 'test:stopper',
    turn: ({ step }) => {
      if (step === 1) controller.abort(new Error('stop'));
      return { actions: [{ text: '' }] };
    },
  };
  await playLanes(
    lake,
    Array.from({ length: 20 }, (_, i) => i),
    {
      concurrency: 3,
      episodesInFlight: 3,
      openEnv: inThread,
      signal: controller.signal,
      episode: (seed) => ({ ...fromReset(seed), agent: seed === 5 ? stopper : slow(seed, 3, seen) }),
      onEpisode: (job, o) => outcomes.push([job, o]),
    },
  );
  const interrupted = outcomes.filter(([, o]) => o.status === 'interrupted').map(([job]) => job);
  assert.ok(interrupted.includes(5), 'the episode in flight at the abort');
  assert.ok(interrupted.length <= 3, `${interrupted.length} interrupted, at most one a lane`);
  assert.ok(
    outcomes.every(([job]) => job <= 7),
    'jobs are taken in order and none after the abort: three lanes held at most jobs 5 to 7',
  );
  assert.ok(outcomes.every(([, o]) => !o.failure));
});
