import type { Episode, Fault } from '@palestra/envs';
import { MICROS_PER_UNIT, microsOf } from '@palestra/envs/core';
import type { OutcomeReading } from './ensemble/outcome.ts';

/**
 * What every overseer returns: a reward with the components that make it up, so users see why a
 * reward is what it is. Rewards are exact signed integers of micro-units (`micros`); `reward` is
 * micros / 10⁶.
 */
export interface ScoreComponent {
  name: string;
  micros: number;
  /** The weight this component carried in an ensemble (1 when alone). */
  weight?: number;
}

/** One LLM verdict a score used: its cache key and the hash of its cache entry (what is committed). */
export interface VerdictRef {
  judge: string;
  key: string;
  entry: string;
}

export interface Score {
  reward: number;
  micros: number;
  components: ScoreComponent[];
  /** Why, in words (a judge's rationale, or which rules fired). */
  rationale: string;
  /** 0…1: 1 for deterministic rules, a judge's agreement across samples, a model's probability. */
  confidence: number;
  /** Who scored: `rules`, `onnx:<model>`, `judge:<provider>:<model>`, `ensemble`. */
  judge: string;
  /** Content hash of a cached LLM verdict: what an episode commits to when an LLM judged it. */
  verdictHash?: string;
  /** Every cached LLM verdict this score used (an ensemble's, of all its judges), in member order. */
  verdicts?: VerdictRef[];
  /** The environment rules' part (set by the rules overseer, carried by an ensemble). */
  rules?: { micros: number; veto: boolean };
  /** A rule that vetoes: the ensemble stops here and the judges are not asked. */
  veto?: boolean;
  /**
   * Set when the episode is broken (a veto of the rules overseer), by whom (`@palestra/envs`'
   * `Fault`): `agent` (the policy's output broke it, or the record is forged, broken or cut
   * short: scored below every honest failure, kept in training batches) or `environment` (the
   * environment's own code or rules failed: left out of training batches, counted).
   */
  fault?: Fault;
  /** What the environment's rules say about the outcome of an episode that replayed (`outcome.ts`). */
  outcome?: OutcomeReading;
}

/** The unit an overseer scores: a whole episode record (steps carry their turn records). */
export type ScoredEpisode = Episode;

/** One overseer. `scoreGroup` scores episodes of the same task together (group-relative, like ART's RULER). */
export interface Overseer {
  readonly id: string;
  scoreEpisode(episode: ScoredEpisode): Promise<Score>;
  scoreGroup?(episodes: ScoredEpisode[]): Promise<Score[]>;
}

/** Micro-units per reward unit (one definition, in `@palestra/envs`). */
export const MICRO = MICROS_PER_UNIT;

/** What a judge's id carries in a verdict given for a whole group (`judge:openai:gpt-4o-mini#group`). */
export const GROUP_JUDGE_SUFFIX = '#group';

/** Float → signed integer micro-units (range-checked). */
export function micros(value: number): number {
  const m = microsOf(value);
  if (!Number.isSafeInteger(m)) throw new RangeError(`score ${value} is not a finite number within ±9e9`);
  return m;
}
