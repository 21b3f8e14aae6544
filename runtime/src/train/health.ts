import type { StepRecord } from './checkpoint.ts';

/**
 * Signs that a training run is learning nothing, read from its step records after every step, so
 * that a run whose every step prints `reward 0.000 ± 0.000 · loss 0.00` says so and says what to
 * change instead of exiting 0 in silence.
 */
export interface TrainWarning {
  code: 'ZERO_VARIANCE_GROUPS' | 'ZERO_LOSS' | 'FLAT_REWARD';
  message: string;
  hint: string;
}

/** Consecutive RL steps a sign must last before it is reported (one bad step is noise). */
export const WARN_AFTER_STEPS = 3;
/** Steps over which a reward that moves less than `FLAT_REWARD_RANGE` counts as flat. */
export const FLAT_REWARD_STEPS = 5;
export const FLAT_REWARD_RANGE = 0.01;

/** Per-group spread of a step's rewards: how many groups there were, and how many scored all alike. */
export function groupSpread(episodes: { group: string; reward: number }[]): {
  groups: number;
  zeroVariance: number;
} {
  const byGroup = new Map<string, number[]>();
  for (const e of episodes) byGroup.set(e.group, [...(byGroup.get(e.group) ?? []), e.reward]);
  let zeroVariance = 0;
  for (const rewards of byGroup.values()) if (rewards.every((r) => r === rewards[0])) zeroVariance++;
  return { groups: byGroup.size, zeroVariance };
}

/**
 * The warnings that hold after the last step of `steps` and did not already hold one step
 * earlier (each is reported once when it starts, again only after it stopped and came back).
 *
 * @example
 * for (const w of newWarnings(state.steps)) log(`! ${w.message}: ${w.hint}`);
 */
export function newWarnings(steps: StepRecord[]): TrainWarning[] {
  const now = warningsAt(steps);
  const before = new Set(warningsAt(steps.slice(0, -1)).map((w) => w.code));
  return now.filter((w) => !before.has(w.code));
}

/** Every warning that holds at the end of `steps` (RL steps only: SFT has no rollouts). */
export function warningsAt(steps: StepRecord[]): TrainWarning[] {
  const rl = steps.filter((s) => s.kind !== 'sft' && s.metrics !== null);
  const warnings: TrainWarning[] = [];
  const recent = rl.slice(-WARN_AFTER_STEPS);
  if (recent.length === WARN_AFTER_STEPS) {
    if (
      recent.every(
        (s) => s.groups !== undefined && s.groups.groups > 0 && s.groups.zeroVariance === s.groups.groups,
      )
    )
      warnings.push({
        code: 'ZERO_VARIANCE_GROUPS',
        message: `every group of the last ${WARN_AFTER_STEPS} steps scored all its episodes alike: GRPO has no signal to learn from`,
        hint: 'raise --temperature or --group so that episodes differ, warm-start with --warm-start/--sft-steps so that some succeed, or check that the reward can tell a better episode from a worse one',
      });
    if (recent.every((s) => s.metrics?.loss === 0))
      warnings.push({
        code: 'ZERO_LOSS',
        message: `the loss was exactly 0 for the last ${WARN_AFTER_STEPS} steps: no gradient reached the adapter`,
        hint: 'with GRPO this follows from groups that score alike (see above); otherwise check --target-modules and the learning rate in --config',
      });
  }
  const window = rl.slice(-FLAT_REWARD_STEPS);
  if (window.length === FLAT_REWARD_STEPS && window.every((s) => s.reward !== null)) {
    const means = window.map((s) => s.reward!.mean);
    const range = Math.max(...means) - Math.min(...means);
    if (range < FLAT_REWARD_RANGE)
      warnings.push({
        code: 'FLAT_REWARD',
        message: `the training reward has not moved in ${FLAT_REWARD_STEPS} steps (${means.map((m) => m.toFixed(3)).join(' ')})`,
        hint: 'raise the learning rate in --config ({"grpo": {"learning_rate": ...}}), warm-start on good transcripts, or check that the task is learnable with `palestra learnability`',
      });
  }
  return warnings;
}
