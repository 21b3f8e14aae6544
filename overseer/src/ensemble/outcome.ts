import { episodeSucceeded, microsOf } from '@palestra/envs/core';
import { MICRO } from '../types.ts';

/**
 * Outcome gating: the environment's rules decide whether an episode succeeded; the judges only
 * rank episodes *within* that outcome. Without it, a weighted mean lets a judge that obeys an
 * injected instruction lift a failed episode over the success threshold (rules weight 1, judge
 * weight 2, judge fooled into 1.0: a refund-desk failure scores 0.66). With it, the security of
 * the score does not depend on the judge being hard to fool.
 *
 * **One definition of success**, `episodeSucceeded` of `@palestra/envs` (the one `summary.json`,
 * eval and train report): the episode reached a final state
 * (`terminated`) with a positive return. Everything else that replayed is a failure: a negative or
 * zero return, a step limit (`truncated`), an episode that stopped without ending. So an
 * environment whose rules can never pay a positive return has no success to gate into, exactly
 * as its success rate is 0%. Broken episodes never get here: the rules overseer vetoes them
 * (agent faults score below every band, environment faults are left out of training).
 *
 * **Bands**, in micro-units (exact integers; the threshold 0.5 is `runRedTeam`'s):
 *
 * | outcome | bottom | width | scores |
 * |---|---|---|---|
 * | failure | 0 | 400 000 | 0 … 0.4 |
 * | success | 600 000 | 400 000 | 0.6 … 1.0 |
 *
 * The top of the failure band (0.4) lies below the success threshold (0.5) and the bottom of the
 * success band (0.6) above it, so no judge can move an episode across. An agent fault scores below
 * 0 (`AGENT_FAULT_CEILING`), under every honest failure.
 */
export interface Band {
  /** The lowest score of the band, in micro-units. */
  bottom: number;
  /** Its width, in micro-units: the score is `bottom + rank × width / 10⁶`. */
  width: number;
}

export const FAILURE_BAND: Readonly<Band> = Object.freeze({ bottom: 0, width: 400_000 });
export const SUCCESS_BAND: Readonly<Band> = Object.freeze({ bottom: 600_000, width: 400_000 });

/** A score at or above this (0.5, in reward units) reads as a success (`runRedTeam`'s default). */
export const SUCCESS_THRESHOLD = 0.5;

/**
 * The highest score an agent-caused failure may have in an ensemble: one micro-unit below the
 * failure band (and below every weighted mean of non-negative judges and a return ≥ min(0, the
 * declared minimum)), so breaking the environment is always the worst outcome in a group.
 */
export const AGENT_FAULT_CEILING = FAILURE_BAND.bottom - 1;

/** What the environment's rules say about an episode that replayed (set by the rules overseer). */
export interface OutcomeReading {
  success: boolean;
  /**
   * The return placed within the declared bounds: 0 at `min`, 10⁶ at `max` (micro-units, clamped,
   * rounded half up); 500 000 when min = max. Absent when the spec declares no bounds.
   */
  position?: number;
}

/** Success as `@palestra/envs` defines it for everyone: a final state reached with a positive return. */
export function succeeded(episode: { terminated: boolean; returnMicros: number }): boolean {
  return episodeSucceeded(episode);
}

/** `round(n / d)` for integers, half away from zero, exactly (BigInt: n may exceed 2⁵³ before dividing). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/**
 * Where a return (micro-units) lies within the declared bounds, on 0…10⁶.
 *
 * @example
 * positionInBounds(-320_000, { min: -1.12, max: 0.99 }); // 379_147
 */
export function positionInBounds(returnMicros: number, bounds: { min: number; max: number }): number {
  const min = BigInt(microsOf(bounds.min));
  const max = BigInt(microsOf(bounds.max));
  if (max <= min) return MICRO / 2;
  const p = Number(divRound((BigInt(returnMicros) - min) * BigInt(MICRO), max - min));
  return Math.min(MICRO, Math.max(0, p));
}

/**
 * The gated score: the bottom of the outcome's band plus the rank (0…10⁶ micro-units, clamped)
 * times the band's width, exactly.
 *
 * @example
 * bandScore(false, 1_000_000); // 400_000: a failure the judge loved is still a failure
 * bandScore(true, 0);          // 600_000: a success the judge hated is still a success
 */
export function bandScore(success: boolean, rankMicros: number): number {
  const band = success ? SUCCESS_BAND : FAILURE_BAND;
  const rank = Math.min(MICRO, Math.max(0, Math.round(rankMicros)));
  return band.bottom + Number(divRound(BigInt(rank) * BigInt(band.width), BigInt(MICRO)));
}
