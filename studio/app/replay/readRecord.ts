import { type Episode, PalestraError, parseEpisode } from '@palestra/envs/core';

/** A record that could not be read, as the page shows it: code, message, hint and the line at fault. */
export interface RecordProblem {
  code: string;
  message: string;
  hint?: string;
  /** The 1-based line of the file at fault (a corrupt record), when the reader names one. */
  line?: number;
}

export type ReadRecord = { ok: true; episode: Episode } | { ok: false; problem: RecordProblem };

/**
 * Parses and checks an episode file's text with the core's `parseEpisode` (every hash, the chain,
 * the footer's sums, the score lines): the episode, or why not with the line at fault, so that a
 * torn line, bad JSON or a changed step reads "corrupt at line N".
 *
 * @example
 * const r = readRecord(text, 'episode-000003.jsonl');
 * if (!r.ok && r.problem.line) show(`corrupt at line ${r.problem.line}`);
 */
export function readRecord(text: string, name?: string): ReadRecord {
  try {
    return { ok: true, episode: parseEpisode(text, name) };
  } catch (e) {
    if (!(e instanceof PalestraError)) throw e;
    const line = e.details.line;
    return {
      ok: false,
      problem: {
        code: e.code,
        message: e.message,
        ...(e.hint ? { hint: e.hint } : {}),
        ...(typeof line === 'number' ? { line } : {}),
      },
    };
  }
}
