import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Action, InvalidAction, Observation, ResetInfo, RewardComponent } from '../kernel/types.ts';
import type { ScoreRecord } from './score.ts';

/**
 * The episode record: JSONL, one header line, one line per step, one footer line.
 * `header.hash = H(canonical(header without hash))`; `step.hash = H(previous hash ‖ canonical(step
 * without hash))`; the root is the last hash (the header's if there are no steps). Rewards are
 * signed integers in micro-units. Tasks are referred to by index (and id, for people). Score lines
 * may follow the footer, chained on from the root (`score.ts`); records without them stay valid.
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

export interface EpisodeFooter {
  kind: 'footer';
  /** The return in micro-units (exact sum of the steps' rewards). */
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
  root: string;
  /** Set when the episode stopped on an environment error (its code failed), not by its rules. */
  error?: { code: string; message: string };
}

export interface Episode {
  header: EpisodeHeader;
  steps: EpisodeStep[];
  footer: EpisodeFooter | undefined;
  /** False when the file ended before its footer (a crash mid-episode). */
  complete: boolean;
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
