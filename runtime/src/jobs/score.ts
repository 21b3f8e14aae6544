import { type OverseerStats, type ScoredFile, scoreFiles } from '../score/scoreFiles.ts';
import { type EnvRef, jobSource } from './env.ts';
import type { JobContext } from './job.ts';

export interface ScoreOptions {
  /** Episode files (`.jsonl`) to score. */
  files: string[];
  /** `rules` (the environment's reward rules, replayed) or a gated-ensemble config (JSON file or inline). Default `rules`. */
  overseer?: string;
  /** The environment of every file, instead of the one each episode records. */
  env?: EnvRef;
  /** Where this overseer already committed a different score, append a new score line after it. */
  force?: boolean;
  /** Judge the episodes of each GRPO group (same environment, task and seed) together. */
  groups?: boolean;
  /** Verdict cache for judges whose config names none. Default `.palestra/verdicts`. */
  cacheDir?: string;
}

/** An episode scored: how many so far, and its reward. */
export interface ScoreProgress {
  done: number;
  total: number;
  file: string;
  reward: number;
}

export interface ScoreResult {
  /** Each file reached, in order: its score, its score line, or the conflict that kept it from being written. */
  scored: ScoredFile[];
  /** Mean, spread and components over the scored episodes; how many scores are committed, how many conflict. */
  stats: OverseerStats;
  /** Score lines appended now (the others were there already, or conflict, or the episode is unfinished). */
  added: number;
  /** The signal stopped it between episodes: the scores committed stay, and the same call again scores the rest. */
  interrupted: boolean;
}

/**
 * Scores recorded episodes with an overseer and commits each score into its episode (an
 * append-only score line after the footer). Scoring the same files again with the same overseer
 * is a no-op; a different score already committed by this overseer is a conflict (reported in
 * `scored[i].conflict` and `stats.conflicts`, not written) unless `force`.
 *
 * @example
 * const { stats } = await score({ files: ['runs/lake/episode-000000.jsonl'], overseer: 'rules' });
 * stats.mean; // and stats.committed
 */
export async function score(
  options: ScoreOptions,
  context: JobContext<ScoreProgress> = {},
): Promise<ScoreResult> {
  const { signal, onProgress } = context;
  const total = options.files.length;
  const { scored, stats, interrupted } = await scoreFiles(options.files, options.overseer ?? 'rules', {
    ...(options.env === undefined ? {} : { source: await jobSource(options.env) }),
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    ...(options.force ? { force: true } : {}),
    ...(options.groups ? { groups: true } : {}),
    ...(signal ? { signal } : {}),
    ...(onProgress
      ? {
          onScored: (done: number, s: ScoredFile) =>
            onProgress({ done, total, file: s.file, reward: s.score.reward }),
        }
      : {}),
  });
  return { scored, stats, added: scored.filter((s) => s.committed?.appended).length, interrupted };
}
