import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PalestraError, readEpisode, replay } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { startLlmServer } from '@palestra/testing/llm';
import { agentStats, slowFlakyAgent } from '@palestra/testing/runtime';
import { randomAgent } from '../agents/random.ts';
import { planGroups } from './plan.ts';
import { rollout } from './rollout.ts';
import {
  defaultWorkers,
  effectiveConcurrency,
  rolloutAutoWorkers,
  rolloutInWorkers,
  SATURATED,
} from './workers.ts';

const lake = loadCatalog('frozen-lake');
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `palestra-workers-${name}-`));
const episodeFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();

test('episodes played over worker threads are byte for byte the episodes one thread plays', async () => {
  const one = tmp('one');
  const many = tmp('many');
  const plan = (out: string) => planGroups(lake.spec, { episodes: 24, group: 4, seed: 5, out });
  const a = await rollout(lake, { plans: plan(one), agent: () => randomAgent(lake.spec, 3), concurrency: 4 });
  const progress: number[] = [];
  const b = await rolloutInWorkers(lake, {
    plans: plan(many),
    agent: 'random',
    agentSeed: 3,
    concurrency: 4,
    workers: 2,
    onProgress: (p, finished) => {
      if (finished) progress.push(p.done);
    },
  });
  assert.equal(b.episodes.filter((e) => e.status === 'complete').length, 24);
  assert.equal(b.turns, a.turns);
  assert.equal(b.agent, a.agent);
  assert.deepEqual(episodeFiles(many), episodeFiles(one));
  for (const f of episodeFiles(one))
    assert.equal(readFileSync(join(many, f), 'utf8'), readFileSync(join(one, f), 'utf8'), f);
  // Progress from both workers adds up, one report per finished episode.
  assert.equal(progress.length, 24);
  assert.equal(Math.max(...progress), 24);
});

test('workers: the openai agent plays against an OpenAI-wire server; Ctrl-C then rerun finishes with no duplicate', async () => {
  let requests = 0;
  const llm = await startLlmServer({
    script: () => {
      requests++;
      return { toolCalls: [{ name: 'move', arguments: { direction: 'down' } }], delayMs: 5 };
    },
  });
  const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  process.env.OPENAI_BASE_URL = llm.url;
  process.env.OPENAI_API_KEY = 'local';
  try {
    const out = tmp('openai');
    const plans = planGroups(lake.spec, { episodes: 16, group: 4, seed: 9, out });
    const controller = new AbortController();
    const first = await rolloutInWorkers(lake, {
      plans,
      agent: 'openai:toy',
      agentSeed: 0,
      concurrency: 8,
      workers: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 3) controller.abort();
      },
    });
    assert.equal(first.interrupted, true);
    const before = requests;
    const second = await rolloutInWorkers(lake, {
      plans,
      agent: 'openai:toy',
      agentSeed: 0,
      concurrency: 8,
      workers: 2,
    });
    assert.equal(second.interrupted, false);
    const resumed = second.episodes.filter((e) => e.status === 'resumed').length;
    assert.ok(resumed >= 3, `${resumed} resumed`);
    assert.equal(resumed + second.episodes.filter((e) => e.status === 'complete').length, 16);
    assert.equal(requests - before, second.turns, 'resumed episodes cost no model call');
    for (const f of episodeFiles(out)) {
      const ep = readEpisode(join(out, f));
      assert.ok(ep.complete, f);
      assert.ok(ep.steps[0]!.turn, 'turn records are written from the workers');
      await replay(lake, ep); // throws at the first divergence
    }
  } finally {
    process.env.OPENAI_BASE_URL = saved.url;
    process.env.OPENAI_API_KEY = saved.key;
    if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
    if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
    await llm.close();
  }
});

test("a worker's typed error reaches the caller: a folder holding another run is refused", async () => {
  const out = tmp('mismatch');
  await rollout(lake, {
    plans: planGroups(lake.spec, { episodes: 4, group: 2, seed: 1, out }),
    agent: () => randomAgent(lake.spec, 0),
  });
  await assert.rejects(
    rolloutInWorkers(lake, {
      plans: planGroups(lake.spec, { episodes: 4, group: 2, seed: 2, out }),
      agent: 'random',
      agentSeed: 0,
      workers: 2,
    }),
    (e: unknown) => e instanceof PalestraError && e.code === 'RUN_MISMATCH',
  );
  await assert.rejects(
    rolloutInWorkers(lake, { plans: [], agent: 'human', agentSeed: 0 }),
    (e: unknown) => e instanceof PalestraError && e.code === 'HUMAN_IN_WORKER',
  );
});

test('in-process agents get no workers and one episode in flight; model agents keep both', () => {
  assert.equal(defaultWorkers(32, 'random'), 0);
  assert.equal(defaultWorkers(64, 'scripted:good.json'), 0);
  // A single worker only moves the work off an idle main thread: none until there are two.
  assert.equal(defaultWorkers(32, 'openai:qwen', 8), 0);
  assert.equal(defaultWorkers(63, 'openai:qwen', 8), 0);
  assert.equal(defaultWorkers(64, 'openai:qwen', 8), 2);
  assert.equal(defaultWorkers(256, 'openai:qwen', 4), 4);
  assert.equal(defaultWorkers(256, 'openai:qwen', 1), 0, 'one core: no thread to share with');
  assert.equal(effectiveConcurrency(32, 'random'), 1);
  assert.equal(effectiveConcurrency(32, 'random:invalid=0.1'), 1);
  assert.equal(effectiveConcurrency(32, 'openai:qwen'), 32);
});

test('--workers auto: a main thread that waits keeps the run; one that cannot keep up hands the rest to threads', async () => {
  const llm = await startLlmServer({
    script: () => ({ toolCalls: [{ name: 'move', arguments: { direction: 'down' } }] }),
  });
  const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  process.env.OPENAI_BASE_URL = llm.url;
  process.env.OPENAI_API_KEY = 'local';
  try {
    const plan = (out: string) => planGroups(lake.spec, { episodes: 32, group: 2, seed: 4, out });
    const candidates = defaultWorkers(64, 'openai:toy');
    // The main thread mostly waits (a 10 ms model): no threads, every episode in plan order.
    const decisions: { workers: number; utilization: number }[] = [];
    const stats = agentStats();
    const waiting = await rolloutAutoWorkers(lake, {
      plans: plan(tmp('auto-wait')),
      agent: 'openai:toy',
      agentSeed: 0,
      concurrency: 64,
      local: () => slowFlakyAgent(lake.spec, stats, { delayMs: 10 }),
      onDecision: (d) => decisions.push(d),
    });
    assert.equal(waiting.workers, 0);
    assert.deepEqual(
      waiting.episodes.map((e) => [e.index, e.status]),
      plan('x').map((p) => [p.index, 'complete']),
    );
    if (candidates > 0) assert.ok(decisions[0]!.utilization < SATURATED, JSON.stringify(decisions));
    // A main thread busy 5 ms per turn (per-turn work it cannot share): saturated, so threads.
    const busy = await rolloutAutoWorkers(lake, {
      plans: plan(tmp('auto-busy')),
      agent: 'openai:toy',
      agentSeed: 0,
      concurrency: 64,
      local: () => ({
        id: 'openai:toy',
        turn: () => {
          const t = performance.now();
          while (performance.now() - t < 5);
          return { actions: [{ tool: 'move', arguments: { direction: 'down' } }] };
        },
      }),
    });
    // On one core there is no thread to share with: the run stays on the main thread.
    assert.equal(busy.workers, candidates);
    assert.equal(busy.episodes.filter((e) => e.status === 'complete').length, 32);
  } finally {
    process.env.OPENAI_BASE_URL = saved.url;
    process.env.OPENAI_API_KEY = saved.key;
    if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
    if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
    await llm.close();
  }
});
