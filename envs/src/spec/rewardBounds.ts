import { fromMicros, microsOf } from '../kernel/micros.ts';
import type { GymSpec } from './schema.ts';

/**
 * Sound reward bounds for a spec whose rules are all constants, so that specs written before
 * `reward.bounds` was required still load with bounds (the spec migration applies this to specs
 * that declare none). "Sound" means no episode can return less than `min` or more than `max`; the
 * bounds may be wider than what is reachable, never narrower.
 *
 * How the kernel pays (envs/src/kernel/env.ts, `step`), and so how the bound is built:
 * - a valid step pays every `perStep` rule, plus each `onEnter` (also `transient`) and `when`
 *   rule at most once (it fires or not: 0 or its value);
 * - an invalid action pays the `perStep` rules and `limits.invalidActionPenalty`, nothing else;
 * - an episode has 0 to `limits.maxSteps` steps;
 * - an `onEnter` rule for a final child of a non-parallel root pays at most once per episode:
 *   entering it ends the episode (so a goal worth 1 in a 100-step spec is bounded by 1, not 100).
 * Values are counted in micro-units, rounded as the kernel rounds them (`toMicros`), so the bound
 * holds exactly for the integer sums the records commit.
 *
 * Returns `undefined` when any rule is an `expr` or a `module` (their values are unknown before
 * they run), or a kind this function does not know.
 *
 * @example
 * deriveRewardBounds(frozenLakeWithoutBounds) // { min: 0, max: 1 }
 */
export function deriveRewardBounds(spec: GymSpec): { min: number; max: number } | undefined {
  const micros = microsOf;
  const { maxSteps, invalidActionPenalty } = spec.limits;
  const finals = episodeEndingStates(spec);
  let perStep = 0;
  let valid = { lo: 0, hi: 0 };
  /** Sum per ending state of the one-shot rules that pay on entering it. */
  const oneShot = new Map<string, number>();
  for (const rule of spec.reward.rules) {
    if (Object.keys(rule).some((k) => !CONSTANT_RULE_KEYS.has(k))) return undefined;
    if (rule.perStep !== undefined) perStep += micros(rule.perStep);
    else if (rule.onEnter !== undefined && rule.value !== undefined) {
      const end = finals.get(rule.onEnter);
      if (end !== undefined) oneShot.set(end, (oneShot.get(end) ?? 0) + micros(rule.value));
      else valid = widen(valid, micros(rule.value));
    } else if (rule.when !== undefined && rule.value !== undefined) valid = widen(valid, micros(rule.value));
    else return undefined;
  }
  const penalty = micros(invalidActionPenalty);
  const stepHi = perStep + Math.max(valid.hi, penalty);
  const stepLo = perStep + Math.min(valid.lo, penalty);
  const ends = [...oneShot.values()];
  const max = Math.max(0, maxSteps * stepHi) + Math.max(0, ...ends);
  const min = Math.min(0, maxSteps * stepLo) + Math.min(0, ...ends);
  if (!Number.isSafeInteger(max) || !Number.isSafeInteger(min)) return undefined;
  return { min: fromMicros(min), max: fromMicros(max) };
}

// `transient` onEnter rules pay when the state is entered at any microstep of a step: still at
// most once per step (the kernel tests membership in the set of states entered).
const CONSTANT_RULE_KEYS = new Set(['onEnter', 'perStep', 'when', 'value', 'name', 'transient']);

function widen(range: { lo: number; hi: number }, v: number): { lo: number; hi: number } {
  return { lo: range.lo + Math.min(0, v), hi: range.hi + Math.max(0, v) };
}

/**
 * The names an `onEnter` rule may use (a dotted path, or an explicit id, which the kernel looks up
 * first) for the states whose entry ends the episode at once: final children of a root that is
 * not parallel. Maps each name to the state's key.
 */
function episodeEndingStates(spec: GymSpec): Map<string, string> {
  const byId = new Map<string, unknown>();
  const stack = [spec.machine];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.id !== undefined) byId.set(node.id, node);
    stack.push(...Object.values(node.states ?? {}));
  }
  const out = new Map<string, string>();
  if (spec.machine.type === 'parallel') return out;
  for (const [key, node] of Object.entries(spec.machine.states ?? {})) {
    if (node.type !== 'final') continue;
    if (!byId.has(key) || byId.get(key) === node) out.set(key, key);
    if (node.id !== undefined && byId.get(node.id) === node) out.set(node.id, key);
  }
  return out;
}
