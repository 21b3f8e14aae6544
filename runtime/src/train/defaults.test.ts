import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelDefaults, settingsLine } from './defaults.ts';
import { evaluatesAfter, schedule } from './train.ts';

describe('training defaults by model size', () => {
  it("tiny gets rates 10³ above TRL's, lm_head in the adapter and a real warm start; a model folder gets TRL's", () => {
    const tiny = modelDefaults('tiny');
    assert.equal(tiny.profile, 'tiny');
    assert.ok(tiny.targetModules?.includes('lm_head'));
    assert.ok((tiny.config.grpo.learning_rate as number) >= 1e-4);
    assert.ok(tiny.sftSteps >= 100);
    const real = modelDefaults('/models/Qwen2.5-0.5B-Instruct');
    assert.equal(real.profile, 'pretrained');
    assert.equal(real.targetModules, undefined);
    assert.equal(real.config.grpo.learning_rate, 1e-6);
  });

  it('the settings line names the profile and every option the run trains with', () => {
    const line = settingsLine({
      profile: 'tiny',
      loraRank: 16,
      targetModules: ['q_proj', 'lm_head'],
      sftSteps: 300,
      maxTokens: 48,
      algo: 'grpo',
      config: { learning_rate: 0.001, num_iterations: 2 },
      sftConfig: { learning_rate: 0.003 },
    });
    assert.equal(
      line,
      'settings (tiny defaults, flags and --config override): LoRA rank 16 on q_proj,lm_head · sft lr 0.003 × 300 steps · grpo lr 0.001, num_iterations 2 · max 48 tokens per turn',
    );
  });
});

describe('evaluatesAfter: held-out evaluations of a run', () => {
  it('after the warm start, every k-th step of the algorithm, and the last step; never SFT step by step', () => {
    const plan = schedule('grpo', 10, 300);
    const at = plan.map((_, i) => i + 1).filter((k) => evaluatesAfter(plan, k, 5));
    assert.deepEqual(at, [300, 305, 310]);
    const sftOnly = schedule('sft', 6, 0);
    assert.deepEqual(
      sftOnly.map((_, i) => i + 1).filter((k) => evaluatesAfter(sftOnly, k, 2)),
      [2, 4, 6],
    );
  });
});
