import {
  type Action,
  EpisodeChain,
  type EpisodeMeta,
  type ResetResult,
  type StepResult,
} from '@palestra/envs/core';

/** One move of a timeline as the record needs it: the action and what the step gave, or the error it threw. */
export type RecordedMove =
  | { action: Action; result: StepResult }
  | { action: Action; error: { code: string; message: string } };

/** An episode record as text, ready to be saved as `episode-….jsonl` in a run folder. */
export interface TimelineRecord {
  /** The JSONL lines `EpisodeWriter` writes for the same episode: header, steps (or failure), footer if ended. */
  text: string;
  /** The episode root: the last line's hash (the footer's `root` when the episode ended). */
  root: string;
  /** Steps recorded (a failure line counts). */
  steps: number;
  /** Whether the record has its footer (the episode terminated, was truncated or failed). */
  ended: boolean;
}

/**
 * The episode record of a reset and the moves after it, built with the core's `EpisodeChain`
 * exactly as `EpisodeWriter` writes it (each line the canonical JSON that was hashed plus its hash;
 * the footer as `JSON.stringify`), so `palestra replay` and `replayEpisode` verify it.
 *
 * @example
 * const { text, root } = recordTimeline({ spec, seed: 1, agent: 'human' }, reset, moves);
 */
export function recordTimeline(
  meta: EpisodeMeta,
  reset: ResetResult,
  moves: readonly RecordedMove[],
): TimelineRecord {
  const chain = new EpisodeChain();
  chain.header(meta, reset);
  const lines = [chain.lastLine];
  for (const move of moves) {
    if ('error' in move) chain.failStep(move.action, move.error);
    else chain.step(move.action, move.result);
    lines.push(chain.lastLine);
  }
  if (chain.done) lines.push(JSON.stringify(chain.footer()));
  return { text: `${lines.join('\n')}\n`, root: chain.root, steps: moves.length, ended: chain.done };
}
