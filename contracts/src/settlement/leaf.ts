import { poseidon7 } from 'poseidon-lite';
import { SettlementError } from './errors.ts';

/** The BN254 scalar field's order: circom's signals, and so the leaves, live modulo it. */
export const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * How an episode ended, as the leaf commits it. `passing` (envs' `episodeSucceeded`) is
 * `terminated` with a positive environment return; a failed episode never passes.
 */
export const OUTCOME = { cut: 0, terminated: 1, failed: 2 } as const;
export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

/** One episode's leaf, as DESIGN.md fixes it. Micro-units are signed 64-bit integers. */
export interface SettlementLeafFields {
  /** The episode's root (the footer's, before any score line): 64 hex digits of SHA-256. */
  episodeRoot: string;
  /** The task's index in its environment, < 2^32. */
  taskIndex: number;
  /** The environment's return, in micro-units. */
  envReturn: bigint | number;
  /** The overseer's committed score, in micro-units. */
  score: bigint | number;
  /** Completed steps, < 2^32. */
  steps: number;
  outcome: Outcome;
}

/** The private signals of one leaf, in the circuit's order (`SettlementLeaf`'s inputs). */
export interface LeafSignals {
  isEmpty: bigint;
  rootHigh: bigint;
  rootLow: bigint;
  taskIndex: bigint;
  envReturn: bigint;
  score: bigint;
  steps: bigint;
  outcome: bigint;
}

/** A padding leaf (runs of fewer than N episodes): every field 0, its hash 0, counted for nothing. */
export const PADDING_LEAF = 0n;
export const PADDING_SIGNALS: Readonly<LeafSignals> = Object.freeze({
  isEmpty: 1n,
  rootHigh: 0n,
  rootLow: 0n,
  taskIndex: 0n,
  envReturn: 0n,
  score: 0n,
  steps: 0n,
  outcome: 0n,
});

const MICROS_MIN = -(1n << 63n);
const MICROS_MAX = (1n << 63n) - 1n;
const U32_MAX = (1n << 32n) - 1n;

/** A signed integer as the field element the circuit sees (a negative x is p − |x|). */
export function toField(x: bigint): bigint {
  return ((x % FIELD_ORDER) + FIELD_ORDER) % FIELD_ORDER;
}

const invalid = (field: string, value: unknown, why: string) =>
  new SettlementError('LEAF_INVALID', `settlement leaf field ${field} = ${String(value)}: ${why}`, {
    details: { field, value: String(value) },
    hint: 'leaves are built from complete, scored episode records; micro-units are signed 64-bit integers',
  });

function integer(field: string, value: bigint | number, min: bigint, max: bigint): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw invalid(field, value, 'not a safe integer');
  const v = BigInt(value);
  if (v < min || v > max) throw invalid(field, value, `outside [${min}, ${max}]`);
  return v;
}

/**
 * The circuit's private signals for one episode, range-checked as the circuit checks them (so a
 * leaf the circuit would refuse is refused here, with the field's name).
 *
 * @example
 * leafSignals({ episodeRoot: 'ab…', taskIndex: 0, envReturn: 1_000_000, score: 1_000_000, steps: 3, outcome: OUTCOME.terminated })
 */
export function leafSignals(fields: SettlementLeafFields): LeafSignals {
  if (!/^[0-9a-f]{64}$/.test(fields.episodeRoot))
    throw invalid('episodeRoot', fields.episodeRoot, 'not 64 lowercase hex digits of SHA-256');
  const root = BigInt(`0x${fields.episodeRoot}`);
  if (!Object.values(OUTCOME).includes(fields.outcome))
    throw invalid('outcome', fields.outcome, 'not 0, 1 or 2');
  return {
    isEmpty: 0n,
    rootHigh: root >> 128n,
    rootLow: root & ((1n << 128n) - 1n),
    taskIndex: integer('taskIndex', fields.taskIndex, 0n, U32_MAX),
    envReturn: toField(integer('envReturn', fields.envReturn, MICROS_MIN, MICROS_MAX)),
    score: toField(integer('score', fields.score, MICROS_MIN, MICROS_MAX)),
    steps: integer('steps', fields.steps, 0n, U32_MAX),
    outcome: BigInt(fields.outcome),
  };
}

/**
 * The leaf: Poseidon over (episode root as two 128-bit limbs, task index, environment return,
 * overseer score, steps, outcome), the same hash circomlib's `Poseidon(7)` computes.
 *
 * @example
 * const leaf = settlementLeaf(fields); // a field element, as a bigint
 */
export function settlementLeaf(fields: SettlementLeafFields): bigint {
  const s = leafSignals(fields);
  return poseidon7([s.rootHigh, s.rootLow, s.taskIndex, s.envReturn, s.score, s.steps, s.outcome]);
}

/** Whether an episode counts as passing: envs' `episodeSucceeded` on the leaf's fields. */
export function leafPasses(fields: SettlementLeafFields): boolean {
  return fields.outcome === OUTCOME.terminated && BigInt(fields.envReturn) > 0n;
}
