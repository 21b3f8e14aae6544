import {
  type AppendScoreResult,
  appendScore,
  type EnvSource,
  RecordError,
  readEpisode,
} from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import {
  buildOverseer,
  loadOverseerConfig,
  type Overseer,
  overseerConfigHash,
  type Score,
  scoreCommitment,
} from '@palestra/overseer';

/**
 * Where judges keep their verdicts when their config names no `cacheDir`: a score that an LLM
 * judged is committed by its cache entry's hash, so there is always a cache to verify it from.
 */
export const DEFAULT_VERDICT_CACHE = '.palestra/verdicts';

export interface ScoredFile {
  file: string;
  score: Score;
  /** The score line committing this score (absent for an unfinished episode, which cannot carry one). */
  committed?: AppendScoreResult;
  /** The episode already commits a different score from this overseer; nothing was written. */
  conflict?: RecordError;
}

export interface OverseerStats {
  judge: string;
  /** Content hash of the overseer config, as the episodes' score lines commit it. */
  overseer: string;
  episodes: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  vetoed: number;
  /** Mean per episode of each reward component. */
  components: Record<string, number>;
  /** Episodes whose score is committed in their record (newly, or already there). */
  committed: number;
  /** Episodes that already committed a different score from this overseer (left as they were). */
  conflicts: number;
}

/**
 * Scores episode files with an overseer (`rules` or a config file) and commits each score into
 * its episode as a score line (see `@palestra/envs` `score.ts`): append-only, a no-op when the
 * same overseer already committed the same score, a conflict (reported, not written) when it
 * committed another one, unless `force`. Environments come from the catalog by the name in each
 * episode, unless `source` is given. Used by `palestra score` and by `palestra rollout`.
 */
export async function scoreFiles(
  files: string[],
  overseerSpec: string,
  options: {
    source?: EnvSource;
    onScored?: (done: number, scored: ScoredFile) => void;
    /** Append a new record even where this overseer committed a different score. */
    force?: boolean;
    /** Verdict cache for judges whose config names none (default `.palestra/verdicts`). */
    cacheDir?: string;
  } = {},
): Promise<{ scored: ScoredFile[]; stats: OverseerStats }> {
  const config = loadOverseerConfig(overseerSpec);
  const hash = overseerConfigHash(config);
  const overseers = new Map<string, Overseer>();
  const scored: ScoredFile[] = [];
  try {
    for (const file of files) {
      const episode = readEpisode(file);
      const name = options.source?.spec.name ?? episode.header.spec.name;
      let overseer = overseers.get(name);
      if (!overseer) {
        overseer = await buildOverseer(config, options.source ?? loadCatalog(name), {
          defaultCacheDir: options.cacheDir ?? DEFAULT_VERDICT_CACHE,
        });
        overseers.set(name, overseer);
      }
      const score = await overseer.scoreEpisode(episode);
      const s: ScoredFile = { file, score };
      if (episode.complete) {
        try {
          s.committed = appendScore(file, scoreCommitment(score, hash), { force: options.force === true });
        } catch (e) {
          if (!(e instanceof RecordError && e.code === 'SCORE_CONFLICT')) throw e;
          s.conflict = e;
        }
      }
      scored.push(s);
      options.onScored?.(scored.length, s);
    }
  } finally {
    for (const o of overseers.values()) await (o as { close?: () => Promise<void> }).close?.();
  }
  return {
    scored,
    stats: {
      ...overseerStats(scored.map((s) => s.score)),
      overseer: hash,
      committed: scored.filter((s) => s.committed).length,
      conflicts: scored.filter((s) => s.conflict).length,
    },
  };
}

export function overseerStats(scores: Score[]): Omit<OverseerStats, 'overseer' | 'committed' | 'conflicts'> {
  const xs = scores.map((s) => s.reward);
  const n = Math.max(xs.length, 1);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const components: Record<string, number> = {};
  for (const s of scores)
    for (const c of s.components) components[c.name] = (components[c.name] ?? 0) + c.micros / 1e6 / n;
  return {
    judge: scores[0]?.judge ?? '-',
    episodes: xs.length,
    mean,
    sd,
    min: xs.length ? Math.min(...xs) : 0,
    max: xs.length ? Math.max(...xs) : 0,
    vetoed: scores.filter((s) => s.veto).length,
    components,
  };
}
