import {
  type AppendScoreResult,
  appendScore,
  type EnvSource,
  type Episode,
  RecordError,
  readEpisode,
} from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import {
  buildOverseer,
  loadOverseerConfig,
  type Overseer,
  type OverseerConfig,
  overseerConfigHash,
  type Score,
  scoreCommitment,
} from '@palestra/overseer';
import { episodeSource } from '../jobs/env.ts';

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

/** An episode file and its record. */
export interface EpisodeFile {
  file: string;
  episode: Episode;
}

/**
 * Episode files bucketed by GRPO group (environment, task and seed: what `planGroups` gives a
 * group), buckets in the order their first file comes, each bucket in file-path order: the order
 * a group is judged in, so re-deriving its verdict later shows the judge the same prompt.
 */
export function fileGroups<T extends EpisodeFile>(entries: T[]): T[][] {
  const buckets = new Map<string, T[]>();
  for (const e of entries) {
    const h = e.episode.header;
    const key = `${h.spec.name}\u0000${h.taskIndex}\u0000${h.seed}`;
    buckets.set(key, [...(buckets.get(key) ?? []), e]);
  }
  return [...buckets.values()].map((b) => b.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0)));
}

/**
 * One overseer per environment, built on first use (a run may mix environments); `close()` ends
 * them all. An episode's environment is the one its header records (`episodeSource`), unless
 * `source` is given for all.
 */
export function overseerPool(
  config: OverseerConfig,
  options: { source?: EnvSource | undefined; build?: Parameters<typeof buildOverseer>[2] },
) {
  const overseers = new Map<string, Overseer>();
  return {
    async for(episode: Episode): Promise<Overseer> {
      const { spec } = episode.header;
      const key = options.source ? '' : `${spec.name}\u0000${spec.root ?? ''}`;
      let overseer = overseers.get(key);
      if (!overseer) {
        overseer = await buildOverseer(
          config,
          options.source ?? (await episodeSource(episode)),
          options.build,
        );
        overseers.set(key, overseer);
      }
      return overseer;
    },
    async close(): Promise<void> {
      for (const o of overseers.values()) await (o as { close?: () => Promise<void> }).close?.();
    },
  };
}

/**
 * Scores a unit of episodes: a group together when there are several and the overseer judges
 * groups (group-relative, like ART's RULER), otherwise one by one.
 */
export async function scoreUnit(overseer: Overseer, episodes: Episode[]): Promise<Score[]> {
  if (episodes.length > 1 && overseer.scoreGroup) return overseer.scoreGroup(episodes);
  const out: Score[] = [];
  for (const e of episodes) out.push(await overseer.scoreEpisode(e));
  return out;
}

/**
 * Scores episode files with an overseer (`rules` or a config file) and commits each score into
 * its episode as a score line (see `@palestra/envs` `score.ts`): append-only, a no-op when the
 * same overseer already committed the same score, a conflict (reported, not written) when it
 * committed another one, unless `force`. Each episode's environment is the one it records
 * (`episodeSource`), unless `source` is given. Used by the score, rollout and train jobs.
 *
 * `signal` stops it between units (an episode, or a group): the scores committed so far stay,
 * and the result covers them (`interrupted`); the same call again finds them committed (a no-op)
 * and scores the rest.
 *
 * With `groups`, the episodes of one GRPO group among the files (same environment, task and
 * seed; `fileGroups`) are scored together by overseers that judge groups (an LLM judge sees the
 * group side by side, in the manner of ART's RULER); rules and models score each episode alike.
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
    /** Score each GRPO group's episodes together. */
    groups?: boolean;
    /** Stops between units; what was committed stays. */
    signal?: AbortSignal;
  } = {},
): Promise<{ scored: ScoredFile[]; stats: OverseerStats; interrupted: boolean }> {
  const config = loadOverseerConfig(overseerSpec);
  const hash = overseerConfigHash(config);
  const pool = overseerPool(config, {
    source: options.source,
    build: { defaultCacheDir: options.cacheDir ?? DEFAULT_VERDICT_CACHE },
  });
  // Grouping needs every header first; one by one, each episode is read when its turn comes, so
  // a large run is never held in memory whole.
  const units: { file: string; index: number; episode?: Episode }[][] = options.groups
    ? fileGroups(files.map((file, index) => ({ file, index, episode: readEpisode(file) })))
    : files.map((file, index) => [{ file, index }]);
  const slots: (ScoredFile | undefined)[] = [];
  let done = 0;
  let interrupted = false;
  try {
    for (const unit of units) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const episodes = unit.map((u) => u.episode ?? readEpisode(u.file));
      const scores = await scoreUnit(await pool.for(episodes[0]!), episodes);
      unit.forEach(({ file, index }, i) => {
        const episode = episodes[i]!;
        const s: ScoredFile = { file, score: scores[i]! };
        if (episode.complete) {
          try {
            s.committed = appendScore(file, scoreCommitment(s.score, hash), {
              force: options.force === true,
            });
          } catch (e) {
            if (!(e instanceof RecordError && e.code === 'SCORE_CONFLICT')) throw e;
            s.conflict = e;
          }
        }
        slots[index] = s;
        options.onScored?.(++done, s);
      });
    }
  } finally {
    await pool.close();
  }
  // In file order; an interrupted run covers the files it reached.
  const scored = slots.filter((s) => s !== undefined);
  return {
    scored,
    interrupted,
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
    for (const c of s.components) components[c.name] = (components[c.name] ?? 0) + fromMicros(c.micros) / n;
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
