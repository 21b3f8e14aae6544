import {
  type AsyncEnvHandle,
  type EnvSource,
  type Episode,
  PalestraError,
  ReplayDivergence,
  replayEpisode,
} from '@palestra/envs/core';

/** What re-playing a record gave. */
export type Verdict =
  | { status: 'verified'; root: string; steps: number }
  /** The replay went another way: the first step and field that differ. */
  | { status: 'diverged'; step: number; field: string; expected: unknown; actual: unknown }
  /** It replayed, but to another root (a record whose chain is its own but not this environment's). */
  | { status: 'root'; expected: string; actual: string }
  /** The replay could not run (the environment failed to start, a sandbox error): code and message. */
  | { status: 'error'; code: string; message: string; hint?: string };

/** The root a record commits to: its footer's, else its last line's hash (an unfinished record). */
export function recordRoot(episode: Episode): string {
  return (
    episode.footer?.root ??
    episode.failure?.hash ??
    episode.steps[episode.steps.length - 1]?.hash ??
    episode.header.hash
  );
}

/**
 * Re-plays a record with the core's `replayEpisode` in `env` and compares the root it reaches with
 * the record's: verified, or the first step and field where it diverged.
 *
 * @example
 * const env = await openReplayEnv(source);
 * try { verdict = await verifyRecord(source, episode, env); } finally { env.close(); }
 */
export async function verifyRecord(
  source: EnvSource,
  episode: Episode,
  env: AsyncEnvHandle,
): Promise<Verdict> {
  try {
    const result = await replayEpisode(source, episode, { env });
    const expected = recordRoot(episode);
    return result.root === expected
      ? { status: 'verified', root: result.root, steps: result.steps }
      : { status: 'root', expected, actual: result.root };
  } catch (e) {
    if (e instanceof ReplayDivergence)
      return { status: 'diverged', step: e.step, field: e.field, expected: e.expected, actual: e.actual };
    if (e instanceof PalestraError)
      return { status: 'error', code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    return { status: 'error', code: 'REPLAY_FAILED', message: e instanceof Error ? e.message : String(e) };
  }
}
