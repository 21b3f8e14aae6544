import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeEnv, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import type { Agent } from '../agents/agent.ts';
import { episodeFileName } from '../rollout/plan.ts';
import { runEpisodes } from './runEpisodes.ts';

const echo = loadCatalog('echo-target');

/** Echoes the word of the episode's instructions; `failAt` episodes throw on their first turn while `broken.on`. */
function echoAgent(broken: { on: boolean; failAt: number[] }, calls: number[]): Agent {
  return {
    id: 'test:echo',
    turn({ episode, episodeIndex }) {
      calls.push(episodeIndex);
      if (broken.on && broken.failAt.includes(episodeIndex)) throw new Error('endpoint down');
      const word = /the word: (\w+)/.exec(episode.instructions ?? '')?.[1] ?? '';
      return { actions: [{ tool: 'echo', arguments: { word } }] };
    },
  };
}

describe('runEpisodes (palestra run): the rollout engine, one episode at a time', () => {
  test('episode i is a plain reset with seed + i: the task the environment draws from that seed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'palestra-run-'));
    const calls: number[] = [];
    const r = await runEpisodes(echo, echoAgent({ on: false, failAt: [] }, calls), {
      episodes: 4,
      seed: 11,
      out,
    });
    assert.deepEqual(calls, [0, 1, 2, 3]);
    const env = await makeEnv(echo);
    for (let i = 0; i < 4; i++) {
      const ep = readEpisode(join(out, episodeFileName(i)));
      assert.equal(ep.header.seed, 11 + i);
      assert.equal(ep.header.taskIndex, env.reset({ seed: 11 + i }).info.taskIndex);
      assert.equal(r.episodes[i]!.taskIndex, ep.header.taskIndex);
      assert.equal(ep.footer!.return, 1_000_000);
    }
  });

  test('an agent failure stops the run with EPISODE_FAILED; the rerun keeps what is done and plays the rest', async () => {
    const out = mkdtempSync(join(tmpdir(), 'palestra-run-'));
    const broken = { on: true, failAt: [1] };
    const calls: number[] = [];
    const agent = echoAgent(broken, calls);
    await assert.rejects(
      runEpisodes(echo, agent, { episodes: 3, seed: 0, out }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'EPISODE_FAILED');
        assert.match(e.message, /episode 1 \(seed 1\) failed: .*endpoint down/);
        return true;
      },
    );
    // No retry by default, and nothing after the failed episode was started.
    assert.deepEqual(calls, [0, 1]);
    assert.equal(readEpisode(join(out, episodeFileName(0))).complete, true);
    assert.equal(readEpisode(join(out, episodeFileName(1))).complete, false);
    assert.equal(existsSync(join(out, episodeFileName(2))), false);

    broken.on = false;
    calls.length = 0;
    const r = await runEpisodes(echo, agent, { episodes: 3, seed: 0, out });
    assert.deepEqual(calls, [1, 2]);
    assert.deepEqual(
      r.episodes.map((e) => e.status),
      ['resumed', 'complete', 'complete'],
    );
    for (let i = 0; i < 3; i++) assert.equal(readEpisode(join(out, episodeFileName(i))).complete, true);
  });

  test('with retries, a passing failure is retried inside the episode and the run goes on', async () => {
    const out = mkdtempSync(join(tmpdir(), 'palestra-run-'));
    const broken = { on: true, failAt: [0] };
    const calls: number[] = [];
    const agent = echoAgent(broken, calls);
    const flaky: Agent = {
      id: agent.id,
      turn(input) {
        try {
          return agent.turn(input);
        } finally {
          broken.on = false; // only the very first attempt fails
        }
      },
    };
    const r = await runEpisodes(echo, flaky, { episodes: 2, seed: 0, out, retries: 1 });
    assert.deepEqual(calls, [0, 0, 1]);
    assert.deepEqual(
      r.episodes.map((e) => [e.status, e.retries]),
      [
        ['complete', 1],
        ['complete', 0],
      ],
    );
  });
});
