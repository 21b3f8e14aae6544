import { episodeSucceeded } from '@palestra/envs/core';
import type { OutcomeFailure } from '../rollout/failure.ts';

/**
 * What happened to an episode in a run. Whether the episode *ended by its rules* is another
 * matter: an episode whose `failure` is set failed, whatever its status (`episodeFailed`); only
 * the others are complete (`episodeComplete`).
 */
export type EpisodeStatus =
  /** played to its end now: ended by its rules, or by a failed step (its file, if any, has a footer) */
  | 'complete'
  /** its file was found finished on disk and kept (a recorded failure is read back from it) */
  | 'resumed'
  /** stopped by the run's abort: its file is truncated, a rerun plays it again */
  | 'interrupted'
  /** the agent failed after its retries (or the environment could not start): truncated or no file, a rerun plays it again */
  | 'failed'
  /** never started (the run was aborted first) */
  | 'pending';

/** The episode failed: stopped by an error (recorded or not), not by its rules. */
export function episodeFailed(e: { failure?: OutcomeFailure | undefined }): boolean {
  return e.failure !== undefined;
}

/**
 * The episode ended by its rules (played now or kept from disk) and did not fail: the outcomes
 * that count in means, spreads and success rates, and the only ones worth training on.
 *
 * @example
 * const kept = result.episodes.filter(episodeComplete);
 */
export function episodeComplete(e: { status: EpisodeStatus; failure?: OutcomeFailure | undefined }): boolean {
  return (e.status === 'complete' || e.status === 'resumed') && e.failure === undefined;
}

/**
 * An episode succeeded when it reached a final state of its task with a positive return (the one
 * definition, `episodeSucceeded` of `@palestra/envs`). A failed episode never succeeded, whatever
 * its return.
 *
 * @example
 * const rate = kept.filter(succeeded).length / kept.length;
 */
export function succeeded(e: {
  terminated: boolean;
  returnMicros: number;
  failure?: OutcomeFailure | undefined;
}): boolean {
  return episodeSucceeded({ ...e, failed: e.failure !== undefined });
}
