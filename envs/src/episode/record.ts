import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

const require = createRequire(import.meta.url);
function versionOf(pkg: string): string {
  try {
    let dir = dirname(require.resolve(pkg));
    for (let i = 0; i < 6; i++) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (json.name === pkg) return json.version ?? 'unknown';
      } catch {
        // keep walking up
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

let engines: Record<string, string> | undefined;
/** The versions a replay depends on, written into every header. */
export function engineVersions(): Record<string, string> {
  engines ??= {
    palestra: JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    xstate: versionOf('xstate'),
    cel: versionOf('@marcbachmann/cel-js'),
    quickjs: versionOf('quickjs-emscripten'),
  };
  return engines;
}
