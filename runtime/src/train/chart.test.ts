import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { faultNote, readTrainConfig } from '../cli/trainAction.ts';
import { rewardCurveHtml, sparkline } from './chart.ts';
import { readState, type TrainState, writeState } from './checkpoint.ts';
import { rlConfig, schedule } from './train.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-train-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function state(): TrainState {
  return {
    v: 1,
    env: 'echo-target@1.0.0',
    algo: 'grpo',
    model: 'tiny',
    name: 'echo',
    seed: 0,
    group: 4,
    episodesPerStep: 24,
    baseTrainerStep: 0,
    eval0: { successRate: 0, meanReturn: 0, episodes: 4 },
    steps: [1, 2, 3].map((k) => ({
      step: k,
      kind: 'grpo' as const,
      policy: `echo@${k - 1}`,
      trained: `echo@${k}`,
      adapter: 'ab'.repeat(32),
      metrics: { loss: 0.1 * k, kl: 0.01 * k },
      reward: { mean: 0.3 * k, std: 0.1, episodes: 24, success: 0.3 * k },
      eval: k === 2 ? { successRate: 0.5, meanReturn: 0.5, episodes: 4 } : null,
      rows: 24,
      seconds: 1.5,
    })),
  };
}

describe('training run records and charts', () => {
  it("keeps each step's broken episodes in train.json, the chart and the step line", () => {
    const s = state();
    s.steps[1]!.faults = { agent: 1, environment: 2, codes: { ACTION_TOO_LARGE: 1, ENV_DEADLINE: 2 } };
    s.steps[2]!.faults = { agent: 0, environment: 0, codes: {} };
    const out = mkdtempSync(join(dir, 'faults-'));
    writeState(out, s);
    assert.deepEqual(readState(out)!.steps[1]!.faults, s.steps[1]!.faults);
    const html = rewardCurveHtml(s);
    assert.match(html, /<span title="1× ACTION_TOO_LARGE, 2× ENV_DEADLINE">2 \/ 1<\/span>/);
    assert.match(html, /2 episodes broken by the environment \(left out\) · 1 by the agent/);
    assert.equal(
      faultNote(s.steps[1]!),
      ' · 2 environment faults left out · 1 agent fault at the worst reward (ACTION_TOO_LARGE, 2× ENV_DEADLINE)',
    );
    assert.equal(faultNote(s.steps[2]!), '');
    assert.equal(faultNote(s.steps[0]!), '');
  });

  it('draws a sparkline from low to high, with a dot where a value is missing', () => {
    assert.equal(sparkline([0, 0.5, 1, null]), '▁▅█·');
    assert.equal(sparkline([0.3, 0.3]), '▄▄');
    assert.equal(sparkline([]), '');
  });

  it('writes a self-contained reward curve: inline SVG, one point per step, no script or remote resource', () => {
    const html = rewardCurveHtml(state());
    assert.doesNotMatch(html, /<script|https?:\/\/|<link/);
    assert.equal((html.match(/<svg/g) ?? []).length, 4);
    assert.match(html, /train reward \(mean ± std\) · step 3: 0\.900/);
    assert.match(html, /held-out success · step 0: 0/); // the evaluation before training
    assert.match(html, /<polygon/); // the ± std band
  });

  it('round-trips train.json and refuses one that is not a training run', () => {
    writeState(dir, state());
    assert.deepEqual(readState(dir), state());
    writeFileSync(join(dir, 'train.json'), JSON.stringify({ ...state(), v: 2 }));
    assert.throws(() => readState(dir), /TRAIN_STATE_INVALID|v:/);
    assert.equal(readState(join(dir, 'none')), undefined);
  });

  it('schedules warm-start SFT steps before the algorithm, and SFT alone for --algo sft', () => {
    assert.deepEqual(schedule('grpo', 2, 3), ['sft', 'sft', 'sft', 'grpo', 'grpo']);
    assert.deepEqual(schedule('sft', 2, 3), ['sft', 'sft']);
  });

  it('sends the sampling temperature to the loss, and recomputes old logprobs when it is not 1', () => {
    assert.deepEqual(rlConfig({ beta: 0.04 }, 1), { beta: 0.04, temperature: 1 });
    assert.deepEqual(rlConfig({ beta: 0.04 }, 0.7), {
      beta: 0.04,
      temperature: 0.7,
      old_logprobs: 'recompute',
    });
    // What the config names wins.
    assert.deepEqual(rlConfig({ temperature: 1 }, 0.7), { temperature: 1 });
    assert.deepEqual(rlConfig({ old_logprobs: 'sampler' }, 0.7), {
      old_logprobs: 'sampler',
      temperature: 0.7,
    });
  });

  it('reads --config flat or per algorithm, and says what a bad one should look like', () => {
    const flat = join(dir, 'flat.json');
    writeFileSync(flat, JSON.stringify({ learning_rate: 1e-4, beta: 0.04 }));
    assert.deepEqual(readTrainConfig(flat, 'grpo'), {
      config: { learning_rate: 1e-4, beta: 0.04 },
      sftConfig: {},
    });
    const per = join(dir, 'per.json');
    writeFileSync(per, JSON.stringify({ grpo: { learning_rate: 1e-4 }, sft: { learning_rate: 3e-3 } }));
    assert.deepEqual(readTrainConfig(per, 'grpo'), {
      config: { learning_rate: 1e-4 },
      sftConfig: { learning_rate: 3e-3 },
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2]');
    assert.throws(
      () => readTrainConfig(bad, 'grpo'),
      (e: Error & { hint?: string }) =>
        /not a JSON object/.test(e.message) && /learning_rate/.test(e.hint ?? ''),
    );
  });
});
