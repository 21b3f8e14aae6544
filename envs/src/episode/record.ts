import type { EpisodeError } from '../kernel/fault.ts';
import type { Action, InvalidAction, Observation, ResetInfo, RewardComponent } from '../kernel/types.ts';
import type { ScoreRecord } from './score.ts';

/**
 * The episode record: JSONL, one header line, one line per step, one footer line.
 * `header.hash = H(canonical(header without hash))`; `step.hash = H(previous hash ‖ canonical(step
 * without hash))`; the root is the last hash (the header's if there are no steps). Rewards are
 * signed integers in micro-units. Tasks are referred to by index (and id, for people). Score lines
 * may follow the footer, chained on from the root (`score.ts`); records without them stay valid.
 *
 * An episode stopped by an error in a step has a *failure* line in place of that step (the
 * action and the error, chained like a step, so the root commits to both), then the footer with
 * the same error; `replay` re-executes the action and requires the same error. Records written
 * before failure lines existed may carry the error in the footer alone (without `fault`).
 */
export const RECORD_VERSION = 1;

export interface EpisodeHeader {
  kind: 'header';
  v: number;
  spec: { name: string; version: string; root: string | null };
  seed: number;
  taskIndex: number;
  taskId: string;
  agent: string;
  engines: Record<string, string>;
  observation: Observation;
  info: ResetInfo;
  hash: string;
}

export interface EpisodeStep {
  kind: 'step';
  i: number;
  action: Action;
  observation: Observation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  state: string[];
  event: Record<string, unknown> | null;
  components: RewardComponent[];
  invalidAction?: InvalidAction;
  /** Beside the steps it caused: the model turn (see the runtime's turn record), if any. */
  turn?: unknown;
  hash: string;
}

/**
 * The step that failed: the action the agent sent and the error the environment raised on it
 * (`fault`: whose fault, see `kernel/fault.ts`). `hash = H(previous hash ‖ canonical(line without
 * hash))`, like a step's; it is the episode's root.
 */
export interface EpisodeFailure {
  kind: 'failure';
  /** The step number the action would have had (completed steps + 1). */
  i: number;
  action: Action;
  error: EpisodeError;
  /** The model turn that sent the action, when the failing action was the first of its turn. */
  turn?: unknown;
  hash: string;
}

export interface EpisodeFooter {
  kind: 'footer';
  /** The return in micro-units (exact sum of the completed steps' rewards). */
  return: number;
  /** Completed steps (a failure line does not count). */
  length: number;
  terminated: boolean;
  truncated: boolean;
  /** The last hash: the last step's, or the failure line's. */
  root: string;
  /**
   * Set when the episode stopped on an error, not by its rules: equal to the failure line's error
   * (old records: code and message only, and the reader derives `fault` from the code).
   */
  error?: EpisodeError;
}

export interface Episode {
  header: EpisodeHeader;
  steps: EpisodeStep[];
  footer: EpisodeFooter | undefined;
  /**
   * False when the file ended before its footer (a crash mid-episode). A *failed* episode
   * (`failure` or `footer.error` set) is complete as a file but failed as an episode: count it as
   * failed, never as finished.
   */
  complete: boolean;
  /** The failure line, when a step failed (the reader always sets it if there is one). */
  failure?: EpisodeFailure;
  /**
   * The overseer's committed scores, in order (score lines after the footer; see `score.ts`).
   * The reader always sets it (empty when unscored); optional so hand-built episodes stay valid.
   */
  scores?: ScoreRecord[];
}

/**
 * The versions a replay depends on, written into every header (and so hashed into its root).
 * Constants rather than read from the installed packages, so that a browser writes the same
 * header as Node; `engines.test.ts` fails when an upgrade leaves them behind.
 */
export const ENGINE_VERSIONS: Readonly<Record<string, string>> = Object.freeze({
  palestra: '0.1.0',
  xstate: '5.33.3',
  cel: '8.0.0',
  quickjs: '0.32.0',
});

/** The versions a replay depends on, written into every header. */
export function engineVersions(): Record<string, string> {
  return { ...ENGINE_VERSIONS };
}
