import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { agentFaultMicros } from '@palestra/envs';
import { echoBoom } from '@palestra/testing/runtime';
import type { Agent, TurnRecord } from '../agents/agent.ts';
import { planGroups } from '../rollout/plan.ts';
import { rollout } from '../rollout/rollout.ts';
import { checkFaultShare } from './batch.ts';
import { scoreStep } from './scoreStep.ts';

/**
 * A training step's scoring on episodes recorded by the real rollout engine and scored by the real
 * rules overseer, without the Python trainer: echo-target (bounds [0, 1]) whose `remember` module
 * throws on `boom` (an environment fault), played by a model-like agent that returns token ids.
 */

const dir = mkdtempSync(join(tmpdir(), 'palestra-score-step-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const source = echoBoom();
const bounds = source.spec.reward.bounds!;

/** What member m of a group does: `boom` breaks the environment, `huge` is a 300,000-character reply. */
type Move = 'right' | 'wrong' | 'boom' | 'huge';

/** A model-like agent: each turn carries a turn record with token ids, as the trainer's endpoint returns them. */
function tokenAgent(move: (member: number) => Move): (plan: { member: number }) => Agent {
  return (plan) => ({
    id: 'test:token-agent',
    turn: ({ episode }) => {
      const target = /word: (\w+)/.exec(episode.instructions)?.[1] ?? '';
      const m = move(plan.member);
      const action =
        m === 'huge'
          ? { text: 'x'.repeat(300_000) }
          : { tool: 'echo', arguments: { word: m === 'right' ? target : m === 'boom' ? 'boom' : 'nope' } };
      const turn: TurnRecord = {
        v: 1,
        agent: 'test:token-agent',
        policy: 'toy@0',
        messages: [],
        completion: { text: null, toolCalls: [] },
        finishReason: 'tool_calls',
        promptTokenIds: [1, 2, 3],
        completionTokenIds: [100 + plan.member],
        logprobs: [-0.5],
        usage: null,
        latencyMs: 0,
      };
      return { actions: [action], turn };
    },
  });
}

async function playStep(name: string, move: (member: number) => Move, episodes = 10) {
  const plans = planGroups(source.spec, { episodes, group: episodes, seed: 3, out: join(dir, name) });
  const result = await rollout(source, { plans, agent: tokenAgent(move) });
  return { result, file: (member: number) => plans[member]!.file };
}

describe('scoreStep (real rollouts, the rules overseer)', () => {
  const moves: Move[] = [
    'boom',
    'huge',
    'right',
    'right',
    'wrong',
    'wrong',
    'right',
    'wrong',
    'right',
    'wrong',
  ];
  let mixed: ReturnType<typeof playStep> | undefined;

  for (const overseer of ['rules', 'none']) {
    it(`--overseer ${overseer}: the reply that broke the environment trains at the worst reward; the episode the environment broke is left out`, async () => {
      mixed ??= playStep('mixed', (m) => moves[m]!);
      const { result, file } = await mixed;
      const step = await scoreStep(result.episodes, { source, overseer, group: 10, bounds });
      checkFaultShare(source.spec.name, 1, step); // 1 of 10: exactly the share allowed

      assert.deepEqual(
        step.leftOut.map((e) => e.file),
        [file(0)],
      );
      assert.equal(step.faults.environment, 1);
      assert.equal(step.faults.agent, 1);
      assert.deepEqual(
        Object.keys(step.faults.codes).sort(),
        ['ACTION_TOO_LARGE', step.leftOut[0]!.code!].sort(),
      );

      const byFile = new Map(step.episodes.map((e) => [e.file, e]));
      assert.equal(byFile.get(file(1))!.reward, agentFaultMicros(bounds) / 1e6);
      const honest = step.episodes.filter((e) => e.fault === undefined);
      assert.equal(honest.length, 8);
      for (const e of honest) assert.ok(byFile.get(file(1))!.reward < e.reward);

      // Rows: one per kept episode, its completion token marks its member; none from member 0.
      const rewardOf = new Map(step.rows.map((r) => [r.completion_ids[0]! - 100, r.rewards.at(-1)!]));
      assert.equal(step.rows.length, 9);
      assert.equal(rewardOf.has(0), false, 'the environment-broken episode is not trained on');
      assert.equal(rewardOf.get(1), -0.000001, 'the oversized reply is trained on, at the worst reward');
      for (const m of [2, 3, 6, 8]) assert.equal(rewardOf.get(m), 1);
      for (const m of [4, 5, 7, 9]) assert.equal(rewardOf.get(m), 0);
      assert.ok(step.rows.every((r) => r.group === step.rows[0]!.group));
    });
  }

  it('a step where the environment broke more than 10% of the episodes fails, naming the environment', async () => {
    const { result } = await playStep('broken', (m) => (m === 0 ? 'boom' : 'right'), 5);
    const step = await scoreStep(result.episodes, { source, overseer: 'none', group: 5, bounds });
    assert.throws(
      () => checkFaultShare(source.spec.name, 4, step),
      (e: Error & { code?: string; hint?: string }) =>
        e.code === 'TRAIN_ENVIRONMENT_FAULTS' &&
        /step 4: the environment echo-boom broke 1 of 5 episodes/.test(e.message) &&
        /palestra check echo-boom/.test(e.hint ?? ''),
    );
  });
});
