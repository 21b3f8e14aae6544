import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepRecord } from './checkpoint.ts';
import { groupSpread, newWarnings, warningsAt } from './health.ts';

function step(
  k: number,
  mean: number,
  loss: number,
  zeroVariance: number,
  kind: StepRecord['kind'] = 'grpo',
): StepRecord {
  return {
    step: k,
    kind,
    policy: `p@${k - 1}`,
    trained: `p@${k}`,
    adapter: null,
    metrics: { loss },
    reward: kind === 'sft' ? null : { mean, std: 0, episodes: 8, success: 0 },
    eval: null,
    rows: 8,
    seconds: 1,
    ...(kind === 'sft' ? {} : { groups: { groups: 2, zeroVariance } }),
  };
}

describe('training health warnings', () => {
  it('groupSpread counts the groups whose episodes all scored alike', () => {
    assert.deepEqual(
      groupSpread([
        { group: 'a', reward: 1 },
        { group: 'a', reward: 1 },
        { group: 'b', reward: 0 },
        { group: 'b', reward: 1 },
      ]),
      { groups: 2, zeroVariance: 1 },
    );
  });

  it("the README's old failure (reward 0.000 ± 0.000 · loss 0.00 every step) raises all three, once each", () => {
    const steps = [step(1, 0, 1, 0, 'sft'), ...[2, 3, 4, 5, 6, 7].map((k) => step(k, 0, 0, 2))];
    assert.deepEqual(
      warningsAt(steps).map((w) => w.code),
      ['ZERO_VARIANCE_GROUPS', 'ZERO_LOSS', 'FLAT_REWARD'],
    );
    // Each is new exactly once: zero variance and zero loss at the 3rd RL step, the flat reward at the 5th.
    const raised = steps.map((_, i) => newWarnings(steps.slice(0, i + 1)).map((w) => w.code));
    assert.deepEqual(raised, [[], [], [], ['ZERO_VARIANCE_GROUPS', 'ZERO_LOSS'], [], ['FLAT_REWARD'], []]);
  });

  it('a run that learns raises nothing; one step with a signal ends a zero-variance streak', () => {
    const learning = [0.1, 0.3, 0.5, 0.7, 0.9].map((m, i) => step(i + 1, m, 0.2, 1));
    assert.deepEqual(warningsAt(learning), []);
    const streakBroken = [step(1, 0.5, 0.1, 2), step(2, 0.5, 0.1, 1), step(3, 0.6, 0.1, 2)];
    assert.deepEqual(warningsAt(streakBroken), []);
  });
});
