import { setMaxListeners } from 'node:events';
import { type EnvHandle, type EnvSource, openEnv } from '@palestra/envs';
import type { Agent } from '../agents/agent.ts';
import { failureOfError } from '../rollout/failure.ts';
import { EnvPool } from './envPool.ts';
import { Limiter } from './limiter.ts';
import {
  type EpisodeStart,
  type PlayOutcome,
  playEpisode,
  type TurnSettings,
  unplayed,
} from './playEpisode.ts';
import { RunningMean, shouldAddLane } from './shouldAddLane.ts';

/** What a lane plays for a job (see `playEpisode`). */
export interface LaneEpisode {
  agent: Agent;
  start: EpisodeStart;
  episodeIndex: number;
  agentSeed: number;
}

/** The scheduler's live counts, as the callbacks see them (one object, updated in place: copy what you keep). */
export interface LaneCounts {
  /** Agent turns and environment steps played so far. */
  turns: number;
  steps: number;
  episodesInFlight: number;
  turnsInFlight: number;
}

/** How lanes play: what `rollout` and `branch` take as options and hand on (jobs not taken up at the signal are never reported). */
export interface LaneSettings extends TurnSettings {
  /** Agent turns (model calls) in flight at once. Default 4. */
  concurrency?: number;
  /**
   * Episodes in flight at once, each on its own environment handle. Default `concurrency`.
   * `'auto'`: start with one and add one (up to `concurrency`) while the measured agent wait per
   * turn is worth more than opening another handle (`shouldAddLane`).
   */
  episodesInFlight?: number | 'auto';
  /** How environments are opened (default `openEnv`: code modules run in a worker). */
  openEnv?: (source: EnvSource) => Promise<EnvHandle>;
}

export interface PlayLanesOptions<J> extends LaneSettings {
  /**
   * What to play for a job: asked when a lane takes the job up, so agents are built one per
   * episode as it starts. A throw fails that job with the environment (as a failed reset does).
   */
  episode: (job: J) => LaneEpisode;
  /** A job ended: played (complete, failed or interrupted), or failed before it could start. */
  onEpisode?: (job: J, outcome: PlayOutcome, counts: LaneCounts) => void;
  /** After every agent turn whose episode goes on. */
  onTurn?: (counts: LaneCounts) => void;
}

export interface LanesResult {
  turns: number;
  steps: number;
  /** The most agent turns that were in flight at once. */
  maxTurnsInFlight: number;
  /** Environment handles opened (handles are reused across episodes). */
  envHandles: number;
}

/**
 * Plays jobs as episodes in lanes: each lane takes the next job, holds an environment handle
 * from a pool (handles are reused: the next episode resets or restores it), and plays the
 * episode (`playEpisode`); all lanes share one limiter of agent turns in flight. Environment
 * steps are synchronous, so they never interleave.
 *
 * A handle that could not be opened fails its job (`failed`, environment fault) and the lane
 * goes on; a play that throws (a reset or restore that fails) fails its job the same way and its
 * handle is replaced. On abort, lanes stop taking jobs and episodes in flight end where they are.
 *
 * @example
 * await playLanes(source, plans, { episode: (p) => ({ agent: make(p), start: { reset: { seed: p.seed } }, episodeIndex: p.index, agentSeed: p.seed }), onEpisode: (p, o) => keep(p, o) });
 */
export async function playLanes<J>(
  source: EnvSource,
  jobs: readonly J[],
  options: PlayLanesOptions<J>,
): Promise<LanesResult> {
  const { signal, timeoutMs, retries, backoffMs } = options;
  const turnSettings: TurnSettings = { signal, timeoutMs, retries, backoffMs };
  // Every in-flight turn listens to the run's signal: hundreds are expected, not a leak.
  if (signal) setMaxListeners(0, signal);
  const concurrency = options.concurrency ?? 4;
  const adaptive = options.episodesInFlight === 'auto';
  const lanes = adaptive ? concurrency : ((options.episodesInFlight as number | undefined) ?? concurrency);
  const limiter = new Limiter(concurrency);
  const counts: LaneCounts = { turns: 0, steps: 0, episodesInFlight: 0, turnsInFlight: 0 };
  const live = () => {
    counts.turnsInFlight = limiter.inFlight;
    return counts;
  };

  // What 'auto' decides on: the time to open a handle, an agent turn, and turns per episode.
  const handleMs = new RunningMean(0);
  const turnMs = new RunningMean(0);
  const turnsPerEpisode = new RunningMean(1);
  const open = options.openEnv ?? ((s: EnvSource) => openEnv(s));
  const pool = new EnvPool(source, Math.max(1, Math.min(lanes, jobs.length)), async (s) => {
    const t = performance.now();
    const env = await open(s);
    handleMs.add(performance.now() - t);
    return env;
  });

  async function play(job: J, env: EnvHandle): Promise<PlayOutcome> {
    const episode = options.episode(job);
    return playEpisode({
      ...episode,
      env,
      tools: source.spec.tools,
      limiter,
      ...turnSettings,
      onTurn: (ms) => {
        counts.turns++;
        turnMs.add(ms);
      },
      onStep: () => {
        counts.steps++;
      },
      onTurnPlayed: () => {
        options.onTurn?.(live());
        grow();
      },
    });
  }

  const queue = jobs.slice();
  const running: Promise<void>[] = [];
  // 'auto' adds one lane at a time: the next waits until the last one holds its handle, so each
  // decision sees what the previous handle cost.
  let growing = false;
  function grow(): void {
    if (!adaptive || growing || signal?.aborted || running.length >= Math.min(lanes, jobs.length)) return;
    const add = shouldAddLane({
      lanes: running.length,
      waitingEpisodes: queue.length,
      turnsPerEpisode: turnsPerEpisode.value,
      turnMs: turnMs.value,
      handleMs: handleMs.value,
    });
    if (!add) return;
    growing = true;
    let holds = false;
    running.push(
      lane(() => {
        if (holds) return;
        holds = true;
        growing = false;
      }),
    );
  }
  async function lane(started = () => {}): Promise<void> {
    try {
      await laneLoop(started);
    } finally {
      started();
    }
  }
  async function laneLoop(started: () => void): Promise<void> {
    while (queue.length > 0 && !signal?.aborted) {
      const job = queue.shift() as J;
      // Agents that answer synchronously would otherwise keep the whole run in one chain of
      // microtasks: timers, Ctrl-C and the progress bar get their turn between episodes.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) {
        queue.unshift(job);
        break;
      }
      let env: EnvHandle;
      try {
        env = await pool.acquire();
        started();
      } catch (e) {
        started();
        options.onEpisode?.(job, unplayed('failed', failureOfError(e, 'environment')), live());
        continue;
      }
      if (signal?.aborted) {
        // Stopped while a handle was opening: leave the job unstarted.
        pool.release(env);
        break;
      }
      counts.episodesInFlight++;
      let o: PlayOutcome;
      let broken = false;
      try {
        o = await play(job, env);
      } catch (e) {
        // A reset or restore failed, or something unexpected: the handle may be in any state, so replace it.
        broken = true;
        o = unplayed('failed', failureOfError(e, 'environment'));
      } finally {
        counts.episodesInFlight--;
      }
      if (broken) pool.discard(env);
      else pool.release(env);
      if (o.status === 'complete' && !o.failure) turnsPerEpisode.add(o.turns);
      options.onEpisode?.(job, o, live());
      grow();
    }
  }
  try {
    for (let i = 0; i < (adaptive ? 1 : Math.min(lanes, jobs.length)); i++) running.push(lane());
    // Lanes that 'auto' adds while others run are awaited too.
    for (let n = 0; n < running.length; ) {
      const batch = running.slice(n);
      n = running.length;
      await Promise.all(batch);
    }
  } finally {
    pool.close();
  }
  return {
    turns: counts.turns,
    steps: counts.steps,
    maxTurnsInFlight: limiter.maxInFlight,
    envHandles: pool.handles,
  };
}
