import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PalestraError } from '@palestra/envs';
import { z } from 'zod';

/**
 * `train.json`: what a training run has done, written after every step (atomically: a crash
 * leaves the previous version), so a rerun skips finished steps and never trains one twice.
 */
export const TRAIN_STATE_VERSION = 1;

const numberOrNull = z.number().nullable();

const stepSchema = z.object({
  /** 1-based position in the run's schedule (warm-start SFT steps first). */
  step: z.number().int().positive(),
  kind: z.enum(['sft', 'grpo', 'ppo']),
  /** The policy that played this step's rollouts (`NAME@STEP`); for SFT, the policy trained. */
  policy: z.string(),
  /** The policy after the step, and its adapter's content hash. */
  trained: z.string(),
  adapter: z.string().nullable(),
  /** The trainer's metrics (null when the step was recovered after a crash between training and this record). */
  metrics: z.record(z.string(), z.unknown()).nullable(),
  /** Training reward of the step's episodes (overseer scores): mean, population std, count, success rate. */
  reward: z
    .object({ mean: z.number(), std: z.number(), episodes: z.number().int(), success: z.number() })
    .nullable(),
  /** Held-out evaluation of the policy after the step, when it ran. */
  eval: z.object({ successRate: z.number(), meanReturn: z.number(), episodes: z.number().int() }).nullable(),
  rows: z.number().int().nullable(),
  seconds: numberOrNull,
  /** GRPO/PPO steps: how many groups the step had, and how many scored all their episodes alike (no GRPO signal). */
  groups: z.object({ groups: z.number().int(), zeroVariance: z.number().int() }).optional(),
  /** Codes of the warnings this step raised (`ZERO_VARIANCE_GROUPS`, `ZERO_LOSS`, `FLAT_REWARD`; see health.ts). */
  warnings: z.array(z.string()).optional(),
  /** True when the trainer had finished this step but the loop had not recorded it (a crash in between). */
  recovered: z.boolean().optional(),
  /**
   * Broken episodes of a GRPO/PPO step (absent for SFT steps, and in runs recorded before it was
   * kept): `agent` ones were trained on with the worst reward of their group, `environment` ones
   * left out; `codes` counts them by error code (`VETOED`: the overseer's verdict alone).
   */
  faults: z
    .object({
      agent: z.number().int().nonnegative(),
      environment: z.number().int().nonnegative(),
      codes: z.record(z.string(), z.number().int().nonnegative()),
    })
    .optional(),
});
export type StepRecord = z.infer<typeof stepSchema>;

const stateSchema = z.object({
  v: z.literal(TRAIN_STATE_VERSION),
  env: z.string(),
  algo: z.enum(['sft', 'grpo', 'ppo']),
  model: z.string(),
  name: z.string(),
  seed: z.number().int(),
  group: z.number().int(),
  episodesPerStep: z.number().int(),
  /** The trainer's step when this run began (its adapter count); step k of the run leaves it at base + k. */
  baseTrainerStep: z.number().int().nonnegative(),
  /** Evaluation of the policy before any training, when `--eval-every` is set. */
  eval0: stepSchema.shape.eval,
  steps: z.array(stepSchema),
});
export type TrainState = z.infer<typeof stateSchema>;

export function statePath(out: string): string {
  return join(out, 'train.json');
}

/** Reads `train.json` (undefined when the run is new). */
export function readState(out: string): TrainState | undefined {
  const path = statePath(out);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalestraError('TRAIN_STATE_UNREADABLE', `${path} is not JSON: ${(e as Error).message}`, {
      hint: 'restore it, or train into a new --out folder',
    });
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success)
    throw new PalestraError(
      'TRAIN_STATE_INVALID',
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { hint: 'it was written by another version or edited: train into a new --out folder' },
    );
  return parsed.data;
}

/** Writes `train.json` atomically (write, then rename over the old one). */
export function writeState(out: string, state: TrainState): void {
  const path = statePath(out);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
