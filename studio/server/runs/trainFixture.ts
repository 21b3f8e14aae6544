/**
 * A training run's state for tests (the run page's reader and view, the end-to-end suite): the
 * real `train.json` shape, typed by the runtime's own schema and written with its `writeState`.
 */
import { type StepRecord, TRAIN_STATE_VERSION, type TrainState } from '@palestra/runtime';

const step = (n: number, kind: StepRecord['kind'], extra: Partial<StepRecord> = {}): StepRecord => ({
  step: n,
  kind,
  policy: `run@${n - 1}`,
  trained: `run@${n}`,
  adapter: `sha256:${n}`,
  metrics: { loss: 1 / n, ...(kind === 'grpo' ? { kl: 0.01 * n } : {}) },
  reward: kind === 'sft' ? null : { mean: 0.1 * n, std: 0.05, episodes: 8, success: 0.1 * n },
  eval: null,
  rows: 16,
  seconds: 2.5,
  ...extra,
});

/** A GRPO run with two SFT warm-start steps, evaluated before (eval0) and after steps 3 and 5. */
export const sampleTrainState: TrainState = {
  v: TRAIN_STATE_VERSION,
  env: 'echo-target',
  algo: 'grpo',
  model: 'Qwen/Qwen2.5-0.5B-Instruct',
  name: 'run',
  seed: 3,
  group: 4,
  episodesPerStep: 8,
  baseTrainerStep: 0,
  eval0: { successRate: 0.25, meanReturn: -0.5, episodes: 8 },
  steps: [
    step(1, 'sft'),
    step(2, 'sft'),
    step(3, 'grpo', { eval: { successRate: 0.5, meanReturn: 0.1, episodes: 8 } }),
    step(4, 'grpo', {
      warnings: ['ZERO_VARIANCE_GROUPS'],
      faults: { agent: 1, environment: 0, codes: { TIMEOUT: 1 } },
    }),
    step(5, 'grpo', {
      metrics: { loss: 0.2, approx_kl: 0.07 },
      eval: { successRate: 0.75, meanReturn: 0.6, episodes: 8 },
    }),
  ],
};
