/**
 * Rewards, returns and scores are integers on the record: micro-units, 10⁶ per reward unit, so
 * that sums are exact and hash the same everywhere. This is the one place that converts: every
 * reader divides through `fromMicros`, every writer rounds through `microsOf` (or `toMicros`
 * where the value comes from environment code and must be checked).
 *
 * @example
 * microsOf(0.25)      // 250_000
 * fromMicros(250_000) // 0.25
 */
import { EnvCodeError } from '../errors.ts';

/** Micro-units per reward unit. */
export const MICROS_PER_UNIT = 1_000_000;

/** A reward in units → micro-units, rounded to the nearest integer. */
export function microsOf(value: number): number {
  return Math.round(value * MICROS_PER_UNIT);
}

/** Micro-units → a reward in units. */
export function fromMicros(micros: number): number {
  return micros / MICROS_PER_UNIT;
}

/** Float reward → signed integer micro-units, range-checked. `path`: the spec element that gave it. */
export function toMicros(value: number, what: string, path?: string): number {
  const m = microsOf(value);
  if (!Number.isSafeInteger(m))
    throw new EnvCodeError(
      'BAD_REWARD',
      `${path ? `${path} ` : ''}${what} gave ${value}, not a finite reward within ±9e9`,
      {
        details: { ...(path ? { path } : {}), value: String(value) },
        hint: 'a reward is a finite number of at most ±9e9 (micro-units must fit a safe integer)',
      },
    );
  return m;
}
