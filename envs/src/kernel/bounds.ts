import { EnvCodeError } from '../errors.ts';
import type { GymSpec } from '../spec/schema.ts';
import { fromMicros, microsOf } from './micros.ts';

/**
 * `reward.bounds` in exact micro-units, or undefined when the spec declares none. Enforced by
 * the kernel after every step (`checkReturn`): declared bounds that the rules can break are worse
 * than none, because training normalises by them and the checker and scorers trust them.
 */
export interface ReturnBounds {
  min: number;
  max: number;
  /** As declared, for messages. */
  declared: { min: number; max: number };
}

export function returnBounds(spec: Pick<GymSpec, 'reward'>): ReturnBounds | undefined {
  const b = spec.reward.bounds;
  if (!b) return undefined;
  return {
    min: microsOf(b.min),
    max: microsOf(b.max),
    declared: { min: b.min, max: b.max },
  };
}

/**
 * Throws `EnvCodeError` REWARD_OUT_OF_BOUNDS (an *environment* fault: the spec's rules broke its
 * own promise) when the running return after `step` is outside the bounds. The running return,
 * not only the final one: an episode can be cut off after any step (truncation, a budget, an
 * error), and what it returns then is a return too, so every prefix must stay within the bounds.
 *
 * @example
 * checkReturn(returnBounds(spec), 6_000_000, 2); // bounds [0, 1]: throws
 */
export function checkReturn(bounds: ReturnBounds | undefined, returnMicros: number, step: number): void {
  if (!bounds || (returnMicros >= bounds.min && returnMicros <= bounds.max)) return;
  const { min, max } = bounds.declared;
  const ret = fromMicros(returnMicros);
  throw new EnvCodeError(
    'REWARD_OUT_OF_BOUNDS',
    `$.reward.bounds: after step ${step} the return is ${ret}, outside the declared bounds [${min}, ${max}]`,
    {
      details: { path: '$.reward.bounds', step, return: ret, returnMicros, bounds: { min, max } },
      hint: 'fix the reward rules so that no episode can leave the bounds, or widen $.reward.bounds (they bound the running return after every step, since an episode can be cut off after any step)',
    },
  );
}
