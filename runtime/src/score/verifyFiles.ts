import { type EnvSource, PalestraError, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import {
  buildOverseer,
  loadOverseerConfig,
  type Overseer,
  overseerConfigHash,
  type ScoreVerification,
  verifyScore,
} from '@palestra/overseer';
import { DEFAULT_VERDICT_CACHE } from './scoreFiles.ts';

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
  } = {},
): Promise<{ results: VerifiedFile[]; overseer: string }> {
  const config = loadOverseerConfig(overseerSpec);
  const hash = overseerConfigHash(config);
  const overseers = new Map<string, Overseer>();
  const results: VerifiedFile[] = [];
  try {
    for (const file of files) {
      let result: VerifiedFile;
      try {
        const episode = readEpisode(file);
        const name = options.source?.spec.name ?? episode.header.spec.name;
        let overseer = overseers.get(name);
        if (!overseer) {
          overseer = await buildOverseer(config, options.source ?? loadCatalog(name), {
            cacheOnly: true,
            defaultCacheDir: DEFAULT_VERDICT_CACHE,
            ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
          });
          overseers.set(name, overseer);
        }
        result = { file, ...(await verifyScore(episode, overseer, hash)) };
      } catch (e) {
        if (!(e instanceof PalestraError)) throw e;
        result = { file, ok: false, message: `${e.code}: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
      }
      results.push(result);
      options.onVerified?.(results.length, result);
    }
  } finally {
    for (const o of overseers.values()) await (o as { close?: () => Promise<void> }).close?.();
  }
  return { results, overseer: hash };
}
