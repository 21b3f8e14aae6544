/**
 * One episode file as the run page lists it: read and verified by the envs reader
 * (`parseEpisode`: hashes, chain, footer sums, score lines), cut down to a row of numbers and
 * flags. No observation, action or message crosses to the page here: the replay page reads those.
 * A file that does not read is a row too, with the reader's code, message and line.
 */
import { readFile } from 'node:fs/promises';
import { type Episode, episodeSucceeded, fromMicros, parseEpisode } from '@palestra/envs/core';

/** A readable episode's row. */
export interface EpisodeRow {
  /** Path inside the run folder, `/`-separated: what the replay URL names. */
  path: string;
  readable: true;
  taskIndex: number;
  taskId: string;
  seed: number;
  /** The return in units (micro-units / 10⁶). */
  return: number;
  /** Completed steps. */
  length: number;
  /** The file has its footer: the episode ended (by its rules, a limit or an error). */
  complete: boolean;
  terminated: boolean;
  /** Cut by a limit (max steps), not ended by its rules. */
  truncated: boolean;
  success: boolean;
  /** Stopped by an error, and whose fault it was; null when it did not fail. */
  fault: 'agent' | 'environment' | null;
  /** The error's code when it failed. */
  error: string | null;
  invalidActions: number;
  /** The overseer's last score vetoed the episode. */
  vetoed: boolean;
  /** The overseer's last reward in units, when it was scored. */
  score: number | null;
  /** The last score's components, in units. */
  components: Array<{ name: string; value: number }>;
}

/** An episode file that did not read: listed as such, never a crash of the page. */
export interface UnreadableRow {
  path: string;
  readable: false;
  /** The reader's code (`RECORD_CORRUPT`, `RECORD_EMPTY`, `RECORD_UNREADABLE`, …). */
  code: string;
  message: string;
  /** The line the reader stopped at, when it says. */
  line: number | null;
}

export type EpisodeListRow = EpisodeRow | UnreadableRow;

/** A row as the page's episode list gets it: without the components (the summary has their means). */
export type ListedEpisode = Omit<EpisodeRow, 'components'> | UnreadableRow;

/** The row of a parsed episode. */
export function episodeRow(path: string, episode: Episode): EpisodeRow {
  const { header, footer, steps } = episode;
  const error = episode.failure?.error ?? footer?.error;
  const returnMicros = footer?.return ?? steps.reduce((a, s) => a + s.reward, 0);
  const last = episode.scores?.at(-1);
  return {
    path,
    readable: true,
    taskIndex: header.taskIndex,
    taskId: header.taskId,
    seed: header.seed,
    return: fromMicros(returnMicros),
    length: steps.length,
    complete: footer !== undefined,
    terminated: footer?.terminated ?? false,
    truncated: footer?.truncated ?? false,
    success:
      footer !== undefined &&
      episodeSucceeded({ terminated: footer.terminated, returnMicros, failed: error !== undefined }),
    fault: error ? (error.fault ?? 'environment') : null,
    error: error?.code ?? null,
    invalidActions: steps.reduce((n, s) => n + (s.invalidAction ? 1 : 0), 0),
    vetoed: last?.veto ?? false,
    score: last ? fromMicros(last.reward) : null,
    components: (last?.components ?? []).map((c) => ({ name: c.name, value: fromMicros(c.micros) })),
  };
}

/**
 * Reads episode file `file` (absolute) and returns its row; a file that does not read or verify
 * is an `UnreadableRow` with the reader's code and line.
 *
 * @example
 * await readEpisodeRow('/runs/r1/episode-000003.jsonl', 'episode-000003.jsonl')
 */
export async function readEpisodeRow(file: string, path: string): Promise<EpisodeListRow> {
  try {
    return episodeRow(path, parseEpisode(await readFile(file, 'utf8'), path));
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; details?: { line?: unknown } };
    return {
      path,
      readable: false,
      code: typeof err.code === 'string' ? err.code : 'RECORD_UNREADABLE',
      message: typeof err.message === 'string' ? err.message : String(e),
      line: typeof err.details?.line === 'number' ? err.details.line : null,
    };
  }
}
