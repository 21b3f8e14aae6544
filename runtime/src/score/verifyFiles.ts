import { type EnvSource, PalestraError, readEpisode, scoreBy } from '@palestra/envs';
import {
  judgedAsGroup,
  loadOverseerConfig,
  type Overseer,
  overseerConfigHash,
  type Score,
  type ScoreVerification,
  verifyScore,
} from '@palestra/overseer';
import {
  DEFAULT_VERDICT_CACHE,
  type EpisodeFile,
  fileGroups,
  overseerPool,
  scoreUnit,
} from './scoreFiles.ts';

export interface VerifiedFile extends ScoreVerification {
  file: string;
  /** Set when the check could not run (a missing cached verdict, a corrupt record): what to do. */
  hint?: string;
}

/**
 * Checks the scores episodes commit, for free: the overseer is rebuilt from its config with its
 * judges in cache-only mode, so the rules are re-derived by replay and every LLM verdict comes
 * from the verdict cache; a verdict missing from the cache fails that episode with a message that
 * says re-judging would cost calls, and no request is ever sent. A record whose chain does not
 * add up (a changed score line) fails as corrupt when it is read. `palestra score --verify`.
 *
 * A score judged with its group (`scoreFiles` with `groups`) is re-derived with the same group:
 * the files given that share its environment, task and seed, in the same order.
 *
 * @example
 * const results = await verifyFiles(['run/episode-000000.jsonl'], 'overseer.json');
 */
export async function verifyFiles(
  files: string[],
  overseerSpec: string,
  options: {
    source?: EnvSource;
    /** The verdict cache to verify from, overriding the config's (a validator's copy). */
    cacheDir?: string;
    onVerified?: (done: number, result: VerifiedFile) => void;
    /** Stops between units (an episode, or a group); the result covers the files checked so far. */
    signal?: AbortSignal;
  } = {},
): Promise<{ results: VerifiedFile[]; overseer: string; interrupted: boolean }> {
  const config = loadOverseerConfig(overseerSpec);
  const hash = overseerConfigHash(config);
  const pool = overseerPool(config, {
    source: options.source,
    build: {
      cacheOnly: true,
      defaultCacheDir: DEFAULT_VERDICT_CACHE,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    },
  });
  const failure = (file: string, e: unknown): VerifiedFile => {
    if (!(e instanceof PalestraError)) throw e;
    return { file, ok: false, message: `${e.code}: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
  };
  const slots: (VerifiedFile | undefined)[] = [];
  let done = 0;
  let interrupted = false;
  const settle = (index: number, result: VerifiedFile) => {
    slots[index] = result;
    options.onVerified?.(++done, result);
  };
  const entries: (EpisodeFile & { index: number })[] = [];
  files.forEach((file, index) => {
    try {
      entries.push({ file, index, episode: readEpisode(file) });
    } catch (e) {
      settle(index, failure(file, e));
    }
  });
  try {
    for (const unit of fileGroups(entries)) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const grouped = unit.some(({ episode }) => {
        const record = scoreBy(episode, hash);
        return record !== undefined && judgedAsGroup(record);
      });
      let derived: Score[] | undefined;
      let groupError: VerifiedFile | undefined;
      let overseer: Overseer;
      try {
        overseer = await pool.for(unit[0]!.episode);
      } catch (e) {
        for (const { file, index } of unit) settle(index, failure(file, e));
        continue;
      }
      if (grouped && unit.length > 1) {
        try {
          derived = await scoreUnit(
            overseer,
            unit.map((u) => u.episode),
          );
        } catch (e) {
          groupError = failure(unit[0]!.file, e);
          groupError.hint = `${groupError.hint ? `${groupError.hint}; ` : ''}a group-judged score is checked with its whole group: pass the same files that were scored together`;
        }
      }
      for (const [i, { file, index, episode }] of unit.entries()) {
        if (groupError) {
          settle(index, { ...groupError, file });
          continue;
        }
        try {
          settle(index, { file, ...(await verifyScore(episode, overseer, hash, derived?.[i])) });
        } catch (e) {
          settle(index, failure(file, e));
        }
      }
    }
  } finally {
    await pool.close();
  }
  // In file order; an interrupted check covers the files it reached.
  return { results: slots.filter((r) => r !== undefined), overseer: hash, interrupted };
}
