import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEnv, PalestraError, readEpisode, replay, taskIndices } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { agentStats, echoBoom, slowFlakyAgent } from '@palestra/testing/runtime';
import { randomAgent } from '../agents/random.ts';
import { scriptedAgent } from '../agents/scripted.ts';
import { Limiter } from '../play/limiter.ts';
import { callAgent, isPermanent } from './callAgent.ts';
import { groupFileName, parseGroupFileName, planGroups } from './plan.ts';
import { rollout } from './rollout.ts';
import { summarizeRollout } from './summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-rollout-'));
const echo = loadCatalog('echo-target');
const lake = loadCatalog('frozen-lake');

test('file names encode group and member, and parse back', () => {
  assert.equal(groupFileName(3, 1), 'episode-g000003-m01.jsonl');
  assert.deepEqual(parseGroupFileName('episode-g000003-m01.jsonl'), { group: 3, member: 1 });
  assert.equal(parseGroupFileName('episode-000003.jsonl'), undefined);
});

test('a group shares its task (from the train split) and seed; file names encode group and member', async () => {
  const out = join(dir, 'groups');
  const plans = planGroups(echo.spec, { episodes: 24, group: 4, seed: 5, out });
  assert.equal(plans.length, 24);
  const train = new Set(taskIndices(echo.spec, 'train'));
  const result = await rollout(echo, {
    plans,
    agent: () => randomAgent(echo.spec, 5),
    concurrency: 3,
  });
  assert.equal(result.interrupted, false);
  const firstTasks = new Set<number>();
  for (let g = 0; g < 6; g++) {
    const eps = [0, 1, 2, 3].map((m) => readEpisode(join(out, groupFileName(g, m))));
    for (const ep of eps) {
      assert.equal(ep.complete, true);
      assert.equal(ep.header.seed, 5 + g);
      assert.equal(ep.header.taskIndex, eps[0]!.header.taskIndex);
      assert.deepEqual(ep.header.observation, eps[0]!.header.observation, 'same first observation');
      assert.ok(train.has(ep.header.taskIndex), 'task from the train split');
    }
    firstTasks.add(eps[0]!.header.taskIndex);
  }
  assert.equal(firstTasks.size, 6, 'six groups cover the six training tasks once each');
  const summary = summarizeRollout(result);
  assert.equal(summary.complete, 24);
  assert.equal(summary.groups, 6);
  assert.equal(summary.perTask.length, 6);
  assert.ok(summary.perTask.every((t) => t.episodes === 4));
});

test('scripted agent: summary counts success and returns exactly', async () => {
  const out = join(dir, 'scripted');
  const script = join(dir, 'apple.json');
  writeFileSync(script, JSON.stringify([{ tool: 'echo', arguments: { word: 'apple' } }]));
  const plans = planGroups(echo.spec, { episodes: 6, seed: 0, out });
  const result = await rollout(echo, { plans, agent: () => scriptedAgent(script) });
  const s = summarizeRollout(result);
  const apple = 0; // echo-target's first task is apple
  assert.equal(s.successRate, 1 / 6, 'only the apple task is solved');
  assert.equal(s.perTask.find((t) => t.taskIndex === apple)?.successRate, 1);
  assert.equal(s.returnMean, 1 / 6);
});

test('a slow, sometimes failing agent: turns overlap up to the limit, failures are retried, handles reused', async () => {
  const out = join(dir, 'flaky');
  const stats = agentStats();
  const plans = planGroups(lake.spec, { episodes: 12, group: 3, seed: 1, out });
  const result = await rollout(lake, {
    plans,
    agent: () => slowFlakyAgent(lake.spec, stats, { delayMs: 3, failEvery: 4 }),
    concurrency: 4,
    episodesInFlight: 6,
    backoffMs: 1,
  });
  assert.equal(result.interrupted, false);
  assert.ok(result.episodes.every((e) => e.status === 'complete'));
  assert.ok(stats.maxInFlight > 1, `turns overlapped (max in flight ${stats.maxInFlight})`);
  assert.ok(stats.maxInFlight <= 4, `never more than the limit (max in flight ${stats.maxInFlight})`);
  assert.equal(result.maxTurnsInFlight, stats.maxInFlight);
  assert.ok(stats.failures > 0, 'some turns failed');
  assert.equal(
    result.episodes.reduce((a, e) => a + e.retries, 0),
    stats.failures,
  );
  assert.ok(result.envHandles <= 6);
  const s = summarizeRollout(result, { prompt: 1e-6, completion: 2e-6 });
  assert.equal(s.tokens.prompt, 10 * result.turns);
  assert.equal(s.tokens.completion, 2 * result.turns);
  assert.ok(Math.abs(s.cost! - result.turns * 14e-6) < 1e-12);
  for (const e of result.episodes) await replay(lake, readEpisode(e.file));
});

test('a turn that hangs is cut by the per-turn timeout and retried', async () => {
  const out = join(dir, 'timeout');
  const stats = agentStats();
  const plans = planGroups(echo.spec, { episodes: 2, seed: 0, out });
  const result = await rollout(echo, {
    plans,
    agent: () => slowFlakyAgent(echo.spec, stats, { delayMs: 1, hangFirst: true }),
    timeoutMs: 30,
    backoffMs: 1,
  });
  assert.ok(result.episodes.every((e) => e.status === 'complete' && e.retries === 1));
});

test('an agent that keeps failing leaves its episode truncated; a rerun plays it again', async () => {
  const out = join(dir, 'broken');
  const plans = planGroups(echo.spec, { episodes: 3, seed: 0, out });
  let calls = 0;
  const result = await rollout(echo, {
    plans,
    agent: (p) => ({
      id: 'test:sometimes-down',
      turn: () => {
        calls++;
        if (p.index === 1) throw new Error('endpoint down');
        return { actions: [{ text: 'hi' }] };
      },
    }),
    retries: 2,
    backoffMs: 1,
  });
  assert.deepEqual(
    result.episodes.map((e) => e.status),
    ['complete', 'failed', 'complete'],
  );
  assert.match(result.episodes[1]!.error!, /AGENT_FAILED.*3 times.*endpoint down/);
  assert.equal(calls, 5);
  assert.equal(readEpisode(plans[1]!.file).complete, false);
  const again = await rollout(echo, {
    plans,
    agent: () => ({ id: 'test:sometimes-down', turn: () => ({ actions: [{ text: 'hi' }] }) }),
  });
  assert.deepEqual(
    again.episodes.map((e) => e.status),
    ['resumed', 'complete', 'resumed'],
  );
});

test('abort midway, then rerun: no duplicate, no broken record, every episode complete and replayable', async () => {
  const out = join(dir, 'resume');
  const plans = planGroups(lake.spec, { episodes: 16, group: 2, seed: 9, out });
  const stats1 = agentStats();
  const controller = new AbortController();
  const first = await rollout(lake, {
    plans,
    agent: () => slowFlakyAgent(lake.spec, stats1, { delayMs: 2 }),
    concurrency: 4,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.done >= 5) controller.abort(new Error('test abort'));
    },
  });
  assert.equal(first.interrupted, true);
  const interrupted = first.episodes.filter((e) => e.status === 'interrupted');
  const completed = first.episodes.filter((e) => e.status === 'complete');
  assert.ok(interrupted.length > 0, 'some episodes were in flight');
  assert.ok(completed.length >= 5);
  for (const e of first.episodes) {
    if (!existsSync(e.file)) {
      assert.equal(e.status, 'pending');
      continue;
    }
    const ep = readEpisode(e.file); // throws on a broken record
    assert.equal(ep.complete, e.status === 'complete');
  }
  const mtimes = new Map(completed.map((e) => [e.file, statSync(e.file).mtimeMs]));

  const stats2 = agentStats();
  const second = await rollout(lake, {
    plans,
    agent: () => slowFlakyAgent(lake.spec, stats2, { delayMs: 2 }),
    concurrency: 4,
  });
  assert.equal(second.interrupted, false);
  assert.equal(stats2.episodesStarted, 16 - completed.length, 'complete episodes are not played again');
  assert.equal(second.episodes.filter((e) => e.status === 'resumed').length, completed.length);
  for (const [file, mtime] of mtimes) assert.equal(statSync(file).mtimeMs, mtime, `${file} untouched`);
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  assert.equal(files.length, 16, 'one file per episode');
  for (const e of second.episodes) {
    const ep = readEpisode(e.file);
    assert.equal(ep.complete, true);
    const r = await replay(lake, ep);
    assert.equal(r.root, ep.footer!.root);
  }
  // Same plans, same agent seeds: the resumed run equals an uninterrupted one.
  const straight = join(dir, 'straight');
  await rollout(lake, {
    plans: planGroups(lake.spec, { episodes: 16, group: 2, seed: 9, out: straight }),
    agent: () => slowFlakyAgent(lake.spec, agentStats(), { delayMs: 2 }),
    concurrency: 4,
  });
  for (const f of files) {
    const a = readFileSync(join(out, f), 'utf8').trim().split('\n').at(-1);
    const b = readFileSync(join(straight, f), 'utf8').trim().split('\n').at(-1);
    assert.equal(a, b, `${f}: same footer as an uninterrupted run`);
  }
});

test('a folder holding another run is refused, not overwritten', async () => {
  const out = join(dir, 'groups');
  await assert.rejects(
    rollout(echo, {
      plans: planGroups(echo.spec, { episodes: 4, group: 4, seed: 6, out }),
      agent: () => randomAgent(echo.spec, 5),
    }),
    /RUN_MISMATCH|another run/,
  );
});

test('code environments run in pooled workers', async () => {
  const js = loadCatalog('frozen-lake-js');
  const out = join(dir, 'js');
  const result = await rollout(js, {
    plans: planGroups(js.spec, { episodes: 6, seed: 2, out }),
    agent: (p) => randomAgent(js.spec, p.seed),
    concurrency: 2,
  });
  assert.ok(result.episodes.every((e) => e.status === 'complete'));
  assert.equal(result.envHandles, 2);
  for (const e of result.episodes) await replay(js, readEpisode(e.file), { isolate: false });
});

test('callAgent: the run abort is never retried; limiter waits can be aborted', async () => {
  const c = new AbortController();
  let calls = 0;
  const p = callAgent(
    {
      id: 'x',
      turn: ({ signal }) =>
        new Promise((_, reject) => {
          calls++;
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    },
    {} as never,
    { signal: c.signal, retries: 5, backoffMs: 1 },
  );
  c.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
  assert.equal(calls, 1);
  const l = new Limiter(1);
  const release = await l.acquire();
  const c2 = new AbortController();
  const waiting = l.acquire(c2.signal);
  c2.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  release();
  assert.equal(l.inFlight, 0);
});

test('callAgent: an error a retry cannot fix (HTTP 401, 404) is not retried; 429 and 5xx are', async () => {
  const failing = (status: number) => {
    let calls = 0;
    const agent = {
      id: 'x',
      turn: () => {
        calls++;
        throw new PalestraError('POLICY_HTTP_ERROR', `HTTP ${status}`, { details: { status } });
      },
    };
    return { agent, calls: () => calls };
  };
  for (const [status, attempts] of [
    [401, 1],
    [404, 1],
    [429, 3],
    [503, 3],
  ] as const) {
    const f = failing(status);
    await assert.rejects(callAgent(f.agent, {} as never, { retries: 2, backoffMs: 1 }), /AGENT_FAILED|HTTP/);
    assert.equal(f.calls(), attempts, `HTTP ${status}`);
  }
  assert.equal(isPermanent(new Error('plain')), false);
});

test('a failed step records its action and error; the episode counts as failed, by fault, out of the means, also when resumed', async () => {
  const source = echoBoom();
  const out = join(dir, 'boom');
  const plans = planGroups(source.spec, { episodes: 6, seed: 0, out });
  let turns = 0;
  // Episode 0 breaks the environment, episode 3 sends a reply far past any limit (the agent's
  // fault); the others say the right word and succeed.
  const word = (instructions: string) => /the word: (\w+)/.exec(instructions)?.[1] ?? '';
  const agent = (p: { index: number }) => ({
    id: 'test:boom',
    turn: ({ episode }: { episode: { instructions: string } }) => {
      turns++;
      if (p.index === 0) return { actions: [{ tool: 'echo', arguments: { word: 'boom' } }] };
      if (p.index === 3) return { actions: [{ text: 'x'.repeat(300_000) }] };
      return { actions: [{ tool: 'echo', arguments: { word: word(episode.instructions) } }] };
    },
  });
  const result = await rollout(source, {
    plans,
    agent,
    concurrency: 1,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.equal(turns, 6, 'failed steps are not retried');
  assert.equal(result.envHandles, 1, 'the same handle, recovered, played every episode');
  assert.deepEqual(
    result.episodes.map((e) => [e.status, e.failure?.fault ?? null, e.failure?.recorded ?? null]),
    [
      ['complete', 'environment', true],
      ['complete', null, null],
      ['complete', null, null],
      ['complete', 'agent', true],
      ['complete', null, null],
      ['complete', null, null],
    ],
  );
  // The record keeps the offending action and the error, and replay reproduces the error.
  const ep = readEpisode(result.episodes[0]!.file);
  assert.equal(ep.complete, true);
  assert.deepEqual(ep.failure?.action, { tool: 'echo', arguments: { word: 'boom' } });
  assert.equal(ep.failure?.i, 1);
  assert.equal(ep.footer!.length, 0, 'only completed steps are counted');
  assert.match(`${ep.footer!.error!.code}: ${ep.footer!.error!.message}`, /boom/);
  assert.equal(ep.footer!.error!.fault, 'environment');
  await replay(source, ep, { isolate: false });
  assert.equal(readEpisode(result.episodes[3]!.file).footer!.error!.fault, 'agent');

  const check = (s: ReturnType<typeof summarizeRollout>) => {
    assert.equal(s.episodes, 6);
    assert.equal(s.complete, 4);
    assert.equal(s.failed, 2);
    assert.deepEqual(s.faults, { agent: 1, environment: 1 });
    assert.equal(s.note, '2 failed (1 agent, 1 environment), not in the means');
    // Over the four complete episodes only: with the failures' returns of 0 it would be 4/6.
    assert.equal(s.returnMean, 1);
    assert.equal(s.successRate, 1);
    assert.deepEqual(
      s.errors.map((e) => [e.index, e.fault, e.recorded]),
      [
        [0, 'environment', true],
        [3, 'agent', true],
      ],
    );
  };
  check(summarizeRollout(result));
  // A rerun keeps every file, and reads the failures back from them.
  const again = await rollout(source, {
    plans,
    agent,
    concurrency: 1,
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  assert.equal(turns, 6, 'nothing was played again');
  assert.ok(again.episodes.every((e) => e.status === 'resumed'));
  check(summarizeRollout(again));
  assert.equal(summarizeRollout(again).resumed, 6);
});
