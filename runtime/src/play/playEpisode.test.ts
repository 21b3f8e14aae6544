import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Episode, EpisodeWriter, makeEnv, readEpisode, replay } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { boomOrRight, echoBoom } from '@palestra/testing/runtime';
import type { Agent } from '../agents/agent.ts';
import { randomAgent } from '../agents/random.ts';
import { episodeComplete, succeeded } from './outcome.ts';
import { type EpisodeStart, type PlayOutcome, playEpisode } from './playEpisode.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-play-'));
const lake = loadCatalog('frozen-lake');
const meta = (agent: Agent) => ({
  spec: { name: lake.spec.name, version: lake.spec.version },
  seed: 3,
  agent: agent.id,
});

/** Replies with empty text each turn: frozen-lake moves nobody, so the episode goes on to its step limit. */
function mute(onTurn: (step: number) => void = () => {}): Agent {
  return {
    id: 'test:mute',
    turn: ({ step }) => {
      onTurn(step);
      return { actions: [{ text: '' }] };
    },
  };
}

/** Replays a recorded episode's actions, from whatever step it is asked at; notes the steps it was asked at. */
function replaying(ep: Episode, asked: number[] = []): Agent {
  return {
    id: 'test:replaying',
    turn: ({ step }) => {
      asked.push(step);
      return { actions: [ep.steps[step]!.action] };
    },
  };
}

async function playLake(start: EpisodeStart, agent: Agent): Promise<PlayOutcome> {
  const env = await makeEnv(lake);
  try {
    return await playEpisode({
      env,
      agent,
      tools: lake.spec.tools,
      start,
      episodeIndex: 0,
      agentSeed: 3,
      backoffMs: 1,
    });
  } finally {
    env.close();
  }
}

/** The longest of a few random frozen-lake episodes, written and read back. */
async function recorded(): Promise<{ ep: Episode; outcome: PlayOutcome }> {
  let best: { ep: Episode; outcome: PlayOutcome } | undefined;
  for (let seed = 0; seed < 8; seed++) {
    const agent = randomAgent(lake.spec, seed);
    const file = join(dir, `lake-${seed}.jsonl`);
    const outcome = await playLake(
      { reset: { seed: 3 }, record: (r) => new EpisodeWriter(file, meta(agent), r) },
      agent,
    );
    const ep = readEpisode(file);
    if (!best || ep.steps.length > best.ep.steps.length) best = { ep, outcome };
  }
  return best!;
}

test('from a reset with a writer: the file holds the episode the outcome describes, and replays', async () => {
  const { ep, outcome } = await recorded();
  assert.ok(ep.steps.length >= 3, `a long enough episode (${ep.steps.length} steps)`);
  assert.equal(ep.complete, true);
  assert.equal(outcome.status, 'complete');
  assert.equal(outcome.length, ep.steps.length);
  assert.equal(outcome.returnMicros, ep.footer!.return);
  assert.equal(outcome.terminated, ep.footer!.terminated);
  assert.equal(outcome.truncated, ep.footer!.truncated);
  assert.equal(outcome.turns, ep.steps.length, 'one action a turn');
  assert.equal(outcome.info?.taskIndex, ep.header.taskIndex);
  assert.equal(outcome.failure, undefined);
  assert.equal(episodeComplete(outcome), true);
  assert.equal(succeeded(outcome), ep.footer!.terminated && ep.footer!.return > 0);
  await replay(lake, ep);
});

test('without a writer: the same episode, and no file', async () => {
  const out = mkdtempSync(join(tmpdir(), 'palestra-play-nofile-'));
  const agent = randomAgent(lake.spec, 5);
  const file = join(out, 'written.jsonl');
  const written = await playLake(
    { reset: { seed: 3 }, record: (r) => new EpisodeWriter(file, meta(agent), r) },
    agent,
  );
  const silent = await playLake({ reset: { seed: 3 } }, randomAgent(lake.spec, 5));
  assert.deepEqual(silent, written);
  assert.deepEqual(readdirSync(out), ['written.jsonl'], 'only the recorded play wrote a file');
});

test('from a snapshot: the agent is asked from that step on, and the outcome is the whole episode', async () => {
  const { ep } = await recorded();
  const k = Math.floor(ep.steps.length / 2);
  // The state after step k, reached by stepping the recorded actions.
  const env = await makeEnv(lake);
  const reset = env.reset({ seed: ep.header.seed, taskIndex: ep.header.taskIndex });
  let observation = reset.observation;
  let prefixMicros = 0;
  for (const s of ep.steps.slice(0, k)) {
    const r = env.step(s.action);
    observation = r.observation;
    prefixMicros += r.info.rewardMicros;
  }
  const state = { snapshot: env.snapshot(), observation, step: k, prefixMicros };
  // The handle goes on elsewhere first: the start restores it.
  env.reset({ seed: 99 });
  const asked: number[] = [];
  const o = await playEpisode({
    env,
    agent: replaying(ep, asked),
    tools: lake.spec.tools,
    start: { restore: state, info: ep.header.info },
    episodeIndex: 0,
    agentSeed: 0,
  });
  env.close();
  assert.deepEqual(
    asked,
    ep.steps.slice(k).map((_, i) => k + i),
  );
  assert.equal(o.status, 'complete');
  assert.equal(o.length, ep.steps.length);
  assert.equal(o.returnMicros, ep.footer!.return, 'the recorded prefix and the played rest');
  assert.equal(o.terminated, ep.footer!.terminated);
  assert.equal(o.turns, ep.steps.length - k, 'turns of this play only');
  assert.deepEqual(o.info, ep.header.info);
});

test('abort mid-episode: interrupted where it stood, the file valid but truncated', async () => {
  const controller = new AbortController();
  const file = join(dir, 'aborted.jsonl');
  const agent = mute((step) => {
    if (step === 2) controller.abort(new Error('stop'));
  });
  const env = await makeEnv(lake);
  const o = await playEpisode({
    env,
    agent,
    tools: lake.spec.tools,
    start: { reset: { seed: 3 }, record: (r) => new EpisodeWriter(file, meta(agent), r) },
    episodeIndex: 0,
    agentSeed: 3,
    signal: controller.signal,
  });
  assert.equal(o.status, 'interrupted');
  assert.equal(o.length, 2, 'two turns played; the one in flight at the abort is dropped');
  assert.equal(o.turns, 2);
  assert.equal(o.failure, undefined);
  assert.equal(episodeComplete(o), false);
  const ep = readEpisode(file);
  assert.equal(ep.complete, false);
  assert.equal(ep.steps.length, 2);

  // An abort while the agent is thinking ends the episode at once, with nothing played.
  const waiting = new AbortController();
  const hanging: Agent = {
    id: 'test:hanging',
    turn: ({ signal }) =>
      new Promise((_, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
        waiting.abort(new Error('stop'));
      }),
  };
  const h = await playEpisode({
    env,
    agent: hanging,
    tools: lake.spec.tools,
    start: { reset: { seed: 3 } },
    episodeIndex: 0,
    agentSeed: 3,
    signal: waiting.signal,
    retries: 5,
  });
  env.close();
  assert.equal(h.status, 'interrupted');
  assert.equal(h.length, 0);
  assert.equal(h.retries, 0, 'an abort is never retried');
});

test("an agent that fails after its retries: the episode failed, by the agent's fault, unrecorded", async () => {
  const file = join(dir, 'agent-down.jsonl');
  let calls = 0;
  const agent: Agent = {
    id: 'test:down',
    turn: () => {
      calls++;
      throw new Error('endpoint down');
    },
  };
  const o = await playLake(
    { reset: { seed: 3 }, record: (r) => new EpisodeWriter(file, meta(agent), r) },
    agent,
  );
  assert.equal(o.status, 'failed');
  assert.equal(calls, 4, 'the first attempt and three retries');
  assert.equal(o.retries, 3);
  assert.equal(o.failure?.code, 'AGENT_FAILED');
  assert.equal(o.failure?.fault, 'agent');
  assert.equal(o.failure?.recorded, false);
  assert.match(o.failure!.message, /endpoint down/);
  assert.equal(o.failedAction, undefined, 'no action was given');
  assert.equal(readEpisode(file).complete, false, 'the file stays truncated: a rerun plays it again');
});

test('a failed step ends the episode: recorded with its action by a writer, the same failure unrecorded without', async () => {
  const source = echoBoom();
  const env = await makeEnv(source);
  const file = join(dir, 'boom.jsonl');
  const agent = boomOrRight(() => true);
  const play = (start: EpisodeStart) =>
    playEpisode({ env, agent, tools: source.spec.tools, start, episodeIndex: 0, agentSeed: 0 });
  const meta = { spec: { name: source.spec.name, version: source.spec.version }, seed: 0, agent: agent.id };
  const written = await play({ reset: { seed: 0 }, record: (r) => new EpisodeWriter(file, meta, r) });
  const silent = await play({ reset: { seed: 0 } });
  assert.equal(written.status, 'complete');
  assert.deepEqual(written.failedAction, { tool: 'echo', arguments: { word: 'boom' } });
  assert.deepEqual(written.failure, {
    code: 'EXCEPTION',
    message: written.failure!.message,
    fault: 'environment',
    recorded: true,
    step: 1,
  });
  assert.match(written.failure!.message, /boom/);
  assert.deepEqual(silent, { ...written, failure: { ...written.failure!, recorded: false } });
  assert.equal(episodeComplete(written), false, 'a failed episode is not kept');
  const ep = readEpisode(file);
  assert.equal(ep.complete, true);
  assert.deepEqual(ep.failure?.action, written.failedAction);
  assert.equal(ep.footer!.error!.code, written.failure!.code);
  // The handle was recovered: the next episode on it plays to its end.
  const right = await playEpisode({
    env,
    agent: boomOrRight(() => false),
    tools: source.spec.tools,
    start: { reset: { seed: 0 } },
    episodeIndex: 1,
    agentSeed: 0,
  });
  env.close();
  assert.equal(right.status, 'complete');
  assert.equal(succeeded(right), true);
});
