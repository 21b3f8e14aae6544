import { type GymSpec, PalestraError } from '@palestra/envs';

/** A spec that `rollout` or `train` would use has no `reward.bounds`. */
export class RewardBoundsRequiredError extends PalestraError {
  override name = 'RewardBoundsRequiredError';
  constructor(spec: Pick<GymSpec, 'name' | 'version'>, command: string) {
    super(
      'REWARD_BOUNDS_REQUIRED',
      `${spec.name}@${spec.version} declares no reward bounds ($.reward.bounds), and palestra ${command} needs them`,
      {
        details: { path: '$.reward.bounds', env: `${spec.name}@${spec.version}` },
        hint: 'add "bounds": { "min": <lowest return>, "max": <highest return> } to "reward" in spec.json (palestra check verifies them). They are what an episode the agent broke is scored against (one micro-unit below min) and what the kernel holds rewards to',
      },
    );
  }
}

/**
 * The declared return bounds of a spec, or a `REWARD_BOUNDS_REQUIRED` error. Rollouts and
 * training need them: an episode the agent broke scores one micro-unit below `min` (so breaking
 * the environment never beats failing the task), and a reward outside them stops its episode.
 * The spec loader derives bounds where the rules allow it, so this fires only when it cannot.
 *
 * @example
 * const { min, max } = requireRewardBounds(source.spec, 'train');
 */
export function requireRewardBounds(
  spec: Pick<GymSpec, 'name' | 'version' | 'reward'>,
  command = 'rollout',
): { min: number; max: number } {
  const bounds = spec.reward.bounds;
  if (!bounds) throw new RewardBoundsRequiredError(spec, command);
  return { min: bounds.min, max: bounds.max };
}
