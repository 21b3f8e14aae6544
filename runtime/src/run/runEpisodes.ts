import { type EnvSource, PalestraError } from '@palestra/envs';
import type { Agent } from '../agents/agent.ts';
import { planSeries } from '../rollout/plan.ts';
import { type EpisodeOutcome, type RolloutResult, rollout } from '../rollout/rollout.ts';

export interface RunOptions {
  episodes: number;
  /** Episode i is reset with seed `seed + i`; the environment draws its task from that seed. */
  seed: number;
  out: string;
  /** Called as each episode finishes (episodes kept from an earlier run first), for progress bars. */
  onEpisode?: (done: number, total: number, episode: EpisodeOutcome) => void;
  /** Stops the run: the episode in play ends where it is, its file stays valid and is replayed by a rerun. */
  signal?: AbortSignal;
  /** Retries of a failed agent turn. Default 0: a person or a script does not get better on a second try. */
  retries?: number;
  /** Deadline of one agent turn, in ms. Default: none (a person takes the time they take). */
  timeoutMs?: number;
}

/**
 * Plays `episodes` episodes one after the other with one agent (`palestra run`) and streams each
 * to `out/episode-NNNNNN.jsonl`. It is the rollout engine with one episode in flight and a series
 * plan (`planSeries`), so recording, environment errors, cancellation and resume work as in
 * `rollout`: complete episode files already in `out` are kept, so a rerun resumes.
 *
 * When an episode fails without a record (the agent, after `retries`, or an environment that
 * cannot start), the run stops and throws `EPISODE_FAILED`: the episode's file stays without a
 * footer, so a rerun plays it again. A failed step (environment code, a reward out of bounds, an
 * oversized action) does not stop the run: its episode records the action and the error, and
 * counts as failed in the result (`failure`, see `episodeFailed`).
 *
 * @example
 * const r = await runEpisodes(loadCatalog('frozen-lake'), randomAgent(spec, 7), { episodes: 20, seed: 7, out: 'runs/demo' });
 */
export async function runEpisodes(
  source: EnvSource,
  agent: Agent,
  options: RunOptions,
): Promise<RolloutResult> {
  const plans = planSeries(options);
  // The first agent failure stops the run (the next episodes would fail the same way).
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal!.reason);
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let failure: EpisodeOutcome | undefined;
  try {
    const result = await rollout(source, {
      plans,
      agent: () => agent,
      concurrency: 1,
      retries: options.retries ?? 0,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      signal: stop.signal,
      onProgress: (p, finished) => {
        if (!finished) return;
        if (finished.failure && !finished.failure.recorded) {
          failure ??= finished;
          stop.abort(new Error('the agent failed'));
        }
        options.onEpisode?.(p.done + p.failed, p.total, finished);
      },
    });
    if (failure)
      throw new PalestraError(
        'EPISODE_FAILED',
        `episode ${failure.index} (seed ${failure.seed}) failed: ${failure.error}`,
        {
          details: { file: failure.file },
          hint: 'fix the agent or its endpoint and run the same command again: finished episodes are kept',
        },
      );
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
