import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import {
  bundleId,
  type EnvHandle,
  type EnvSource,
  type Episode,
  EpisodeWriter,
  type Observation,
  openEnv,
  PalestraError,
  readEpisode,
} from '@palestra/envs';
import type { Agent, TurnRecord } from '../agents/agent.ts';
import { AgentError, callAgent } from './callAgent.ts';
import { failureOfError, failureOfRecord, type OutcomeFailure } from './failure.ts';
import { RunningMean, shouldAddLane } from './lanes.ts';
import { Limiter } from './limiter.ts';
import type { EpisodePlan } from './plan.ts';
import { EnvPool } from './pool.ts';

export interface RolloutOptions {
  /** The episodes to play (see `planGroups`). */
  plans: EpisodePlan[];
  /** A fresh agent for each episode (agents keep per-episode state, e.g. a conversation). */
  agent: (plan: EpisodePlan) => Agent;
  /** Agent turns (model calls) in flight at once. Default 4. */
  concurrency?: number;
  /**
   * Episodes in flight at once, each with its own environment handle. Default `concurrency`.
   * `'auto'`: start with one and add one (up to `concurrency`) while the measured agent wait per
   * turn is worth more than opening another handle (`shouldAddLane`).
   */
  episodesInFlight?: number | 'auto';
  /** Deadline of one agent turn attempt, in ms. Default: none. */
  timeoutMs?: number;
  /** Retries of a failed agent turn (environment errors are never retried). Default 3. */
  retries?: number;
  /** First retry backoff in ms, doubling each time. Default 250. */
  backoffMs?: number;
  /** Stops the run: in-flight episodes end where they are, their files stay valid but truncated. */
  signal?: AbortSignal;
  /** Called as episodes finish (resumed ones first) and after every turn. */
  onProgress?: (progress: RolloutProgress, finished?: EpisodeOutcome) => void;
  /** How environments are opened (default `openEnv`: code modules run in a worker). */
  openEnv?: (source: EnvSource) => Promise<EnvHandle>;
}

export interface RolloutProgress {
  total: number;
  /** Episodes complete (played now or found complete on disk), without a failure. */
  done: number;
  /** Episodes found complete on disk and kept (failed ones included). */
  resumed: number;
  /** Episodes that failed (see `OutcomeFailure`), played now or kept from disk. */
  failed: number;
  /** Turns and steps played in this session. */
  turns: number;
  steps: number;
  episodesInFlight: number;
  turnsInFlight: number;
  elapsedMs: number;
}

/**
 * What happened to an episode's file in this run. Whether the episode *succeeded in ending by its
 * rules* is another matter: an episode whose `failure` is set failed, whatever its status
 * (`episodeFailed`); only the others are complete (`episodeComplete`).
 */
export type EpisodeStatus =
  /** its file was finished now (a footer): ended by its rules, or by a recorded failure */
  | 'complete'
  /** its file was found finished on disk and kept (a recorded failure is read back from it) */
  | 'resumed'
  /** stopped by the run's abort: the file is truncated, a rerun plays it again */
  | 'interrupted'
  /** the agent failed after its retries (or the environment could not start): truncated or no file, a rerun plays it again */
  | 'failed'
  /** never started (the run was aborted first) */
  | 'pending';

export interface EpisodeOutcome {
  index: number;
  group: number;
  member: number;
  file: string;
  seed: number;
  /** The task played (null only when the episode never started and its plan left the task to the seed). */
  taskIndex: number | null;
  taskId: string | null;
  status: EpisodeStatus;
  /** Return in micro-units (exact), of the steps played. */
  returnMicros: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
  invalidActions: number;
  /** Agent turns (model calls that succeeded) in this episode; for resumed ones, the turn records on disk. */
  turns: number;
  retries: number;
  usage: { promptTokens: number; completionTokens: number };
  /** Set when the episode failed: the error that stopped it, whose fault, and whether its file records it. */
  failure?: OutcomeFailure;
  /** `failure` as one line: `CODE: message`. */
  error?: string;
}

/** The episode failed: stopped by an error (recorded or not), not by its rules. */
export function episodeFailed(e: Pick<EpisodeOutcome, 'failure'>): boolean {
  return e.failure !== undefined;
}

/** The episode ended by its rules (played now or kept from disk): the ones means and success rates are over. */
export function episodeComplete(e: Pick<EpisodeOutcome, 'status' | 'failure'>): boolean {
  return (e.status === 'complete' || e.status === 'resumed') && e.failure === undefined;
}

export interface RolloutResult {
  env: string;
  bundle: string;
  agent: string;
  episodes: EpisodeOutcome[];
  /** True when the run was aborted before every episode was complete. */
  interrupted: boolean;
  /** This session: wall time, turns and steps played (resumed episodes excluded). */
  seconds: number;
  turns: number;
  steps: number;
  /** The most agent turns that were in flight at once. */
  maxTurnsInFlight: number;
  /** Environment handles opened (≤ episodesInFlight: handles are reused). */
  envHandles: number;
}

function usageOf(turn: unknown): { promptTokens: number; completionTokens: number } {
  const u = (turn as Partial<TurnRecord> | undefined)?.usage;
  return { promptTokens: u?.promptTokens ?? 0, completionTokens: u?.completionTokens ?? 0 };
}

function outcomeOf(plan: EpisodePlan, ep: Episode, status: EpisodeStatus): EpisodeOutcome {
  let promptTokens = 0;
  let completionTokens = 0;
  // The turn that sent a failing action sits on the failure line.
  const turns = [...ep.steps.map((s) => s.turn), ep.failure?.turn].filter((t) => t !== undefined);
  for (const t of turns) {
    const u = usageOf(t);
    promptTokens += u.promptTokens;
    completionTokens += u.completionTokens;
  }
  const f = ep.footer;
  const failure = failureOfRecord(ep);
  return {
    index: plan.index,
    group: plan.group,
    member: plan.member,
    file: plan.file,
    seed: plan.seed,
    taskIndex: ep.header.taskIndex,
    taskId: ep.header.taskId,
    status,
    returnMicros: ep.steps.reduce((a, s) => a + s.reward, 0),
    length: ep.steps.length,
    terminated: f?.terminated ?? false,
    truncated: f?.truncated ?? false,
    invalidActions: ep.steps.filter((s) => s.invalidAction).length,
    turns: turns.length,
    retries: 0,
    usage: { promptTokens, completionTokens },
    ...(failure ? { failure, error: `${failure.code}: ${failure.message}` } : {}),
  };
}

function blank(plan: EpisodePlan, status: EpisodeStatus, failure?: OutcomeFailure): EpisodeOutcome {
  return {
    index: plan.index,
    group: plan.group,
    member: plan.member,
    file: plan.file,
    seed: plan.seed,
    taskIndex: plan.taskIndex ?? null,
    taskId: null,
    status,
    returnMicros: 0,
    length: 0,
    terminated: false,
    truncated: false,
    invalidActions: 0,
    turns: 0,
    retries: 0,
    usage: { promptTokens: 0, completionTokens: 0 },
    ...(failure ? { failure, error: `${failure.code}: ${failure.message}` } : {}),
  };
}

/**
 * What is on disk for a plan: a complete episode of this run (kept), nothing usable (played from
 * scratch: no file, a truncated file from an interrupted run, or an unreadable one), or a complete
 * episode of another run (an error: the folder is not this run's, and nothing is overwritten).
 */
function existing(plan: EpisodePlan, root: string, agentId: () => string): Episode | undefined {
  if (!existsSync(plan.file)) return undefined;
  let ep: Episode;
  try {
    ep = readEpisode(plan.file);
  } catch {
    return undefined; // cut inside its header, or corrupt: play it again
  }
  if (!ep.complete) return undefined;
  const h = ep.header;
  const sameTask = plan.taskIndex === undefined || h.taskIndex === plan.taskIndex;
  if (h.seed !== plan.seed || !sameTask || h.spec.root !== root || h.agent !== agentId())
    throw new PalestraError(
      'RUN_MISMATCH',
      `${plan.file} holds a complete episode of another run (seed ${h.seed}, task ${h.taskIndex}, agent ${h.agent}, bundle ${h.spec.root?.slice(0, 12)}…), not seed ${plan.seed}, task ${plan.taskIndex ?? 'drawn from the seed'}, agent ${agentId()}`,
      {
        details: { file: plan.file },
        hint: 'use a new --out folder, or the options of the run that wrote this one',
      },
    );
  return ep;
}

/**
 * Plays many episodes at once and streams each to its file (hash-chained JSONL, turn records
 * beside the steps they caused).
 *
 * - **Concurrency**: up to `episodesInFlight` episodes run as async tasks, each on its own
 *   environment handle from a pool (handles are reused across episodes); at most `concurrency`
 *   agent turns are in flight. Environment steps are synchronous, so they never interleave.
 * - **Failures**: an agent turn that throws or passes `timeoutMs` is retried with exponential
 *   backoff; an episode whose agent still fails is left truncated and reported `failed`. An
 *   error of a step (the environment's code, a reward out of bounds, an oversized action) ends
 *   its episode: the offending action and the error are recorded (`failStep`: replay reproduces
 *   the error), the outcome carries the `failure` and its fault, and the handle is recovered.
 *   It is never retried: it would fail the same way. Failed episodes count apart from complete
 *   ones (`episodeFailed`).
 * - **Cancellation and resume**: on `signal` abort, in-flight episodes stop at once and their
 *   files stay valid, truncated JSONL; a rerun with the same plans keeps finished episodes (and
 *   reads recorded failures back from them) and plays truncated ones again from scratch.
 *
 * @example
 * const plans = planGroups(source.spec, { episodes: 64, group: 8, seed: 0, out: 'runs/a' });
 * const result = await rollout(source, { plans, agent: () => randomAgent(source.spec, 0), concurrency: 16 });
 */
export async function rollout(source: EnvSource, options: RolloutOptions): Promise<RolloutResult> {
  const { plans, signal } = options;
  // Every in-flight turn listens to the run's signal: hundreds are expected, not a leak.
  if (signal) setMaxListeners(0, signal);
  const concurrency = options.concurrency ?? 4;
  const adaptive = options.episodesInFlight === 'auto';
  const lanes = adaptive ? concurrency : ((options.episodesInFlight as number | undefined) ?? concurrency);
  const root = await bundleId(source);
  const started = performance.now();
  const turnLimiter = new Limiter(concurrency);
  const outcomes = new Map<number, EpisodeOutcome>();
  const spec = { name: source.spec.name, version: source.spec.version, root };
  let agentId = '';
  const progress: RolloutProgress = {
    total: plans.length,
    done: 0,
    resumed: 0,
    failed: 0,
    turns: 0,
    steps: 0,
    episodesInFlight: 0,
    turnsInFlight: 0,
    elapsedMs: 0,
  };
  const report = (finished?: EpisodeOutcome) => {
    progress.elapsedMs = performance.now() - started;
    progress.turnsInFlight = turnLimiter.inFlight;
    options.onProgress?.({ ...progress }, finished);
  };

  // Resume: complete episodes on disk are kept, everything else is (re)played.
  const todo: EpisodePlan[] = [];
  for (const plan of plans) {
    if (!agentId) agentId = options.agent(plan).id;
    // Agents may differ by plan (their id names their seed, say): ask only when a file is there.
    const ep = existing(plan, root, () => options.agent(plan).id);
    if (ep) {
      const o = outcomeOf(plan, ep, 'resumed');
      outcomes.set(plan.index, o);
      if (o.failure) progress.failed++;
      else progress.done++;
      progress.resumed++;
      report(o);
    } else todo.push(plan);
  }

  // What 'auto' decides on: the time to open a handle, an agent turn, and turns per episode.
  const handleMs = new RunningMean(0);
  const turnMs = new RunningMean(0);
  const turnsPerEpisode = new RunningMean(1);
  const open = options.openEnv ?? ((s: EnvSource) => openEnv(s));
  const pool = new EnvPool(source, Math.max(1, Math.min(lanes, todo.length)), async (s) => {
    const t = performance.now();
    const env = await open(s);
    handleMs.add(performance.now() - t);
    return env;
  });

  async function play(plan: EpisodePlan, env: EnvHandle): Promise<EpisodeOutcome> {
    const agent = options.agent(plan);
    agent.startEpisode?.(plan.index, plan.agentSeed);
    const reset = env.reset({
      seed: plan.seed,
      ...(plan.taskIndex === undefined ? {} : { taskIndex: plan.taskIndex }),
    });
    const writer = new EpisodeWriter(plan.file, { spec, seed: plan.seed, agent: agent.id }, reset);
    const o = blank(plan, 'complete');
    o.taskIndex = reset.info.taskIndex;
    o.taskId = reset.info.taskId;
    let observation: Observation = reset.observation;
    try {
      for (;;) {
        if (signal?.aborted) {
          o.status = 'interrupted';
          return o;
        }
        let result: Awaited<ReturnType<typeof callAgent>>;
        const turnStarted = performance.now();
        try {
          result = await callAgent(
            agent,
            {
              observation,
              tools: source.spec.tools,
              episode: reset.info,
              step: o.length,
              episodeIndex: plan.index,
            },
            {
              limiter: turnLimiter,
              ...(signal ? { signal } : {}),
              ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
              retries: options.retries ?? 3,
              backoffMs: options.backoffMs ?? 250,
              onRetry: () => {
                o.retries++;
              },
            },
          );
        } catch (e) {
          if (signal?.aborted) o.status = 'interrupted';
          else {
            // No action to record: the file stays truncated and a rerun plays the episode again.
            o.status = 'failed';
            o.failure = failureOfError(e, 'agent');
            o.error = `${o.failure.code}: ${o.failure.message}`;
          }
          return o;
        }
        o.turns++;
        progress.turns++;
        turnMs.add(performance.now() - turnStarted);
        const u = usageOf(result.turn);
        o.usage.promptTokens += u.promptTokens;
        o.usage.completionTokens += u.completionTokens;
        let first = true;
        for (const action of result.actions.length > 0 ? result.actions : [{ text: '' }]) {
          let r: ReturnType<EnvHandle['step']>;
          try {
            r = env.step(action);
          } catch (e) {
            // The step failed (environment code, a reward out of bounds, an oversized action):
            // the action that caused it and the error are recorded, so replay can reproduce it.
            if (!(e instanceof PalestraError)) throw e;
            const line = writer.failStep(action, e, first ? result.turn : undefined);
            o.failure = { ...line.error, recorded: true, step: line.i };
            o.error = `${e.code}: ${e.message}`;
            await env.recover();
            return o;
          }
          // The turn record goes beside the first step it caused.
          writer.step(action, r, first ? result.turn : undefined);
          first = false;
          o.length++;
          progress.steps++;
          o.returnMicros += r.info.rewardMicros;
          if (r.info.invalidAction) o.invalidActions++;
          observation = r.observation;
          if (r.terminated || r.truncated) {
            o.terminated = r.terminated;
            o.truncated = r.truncated;
            return o;
          }
        }
        report();
        grow();
      }
    } finally {
      // Without an ending (abort, agent failure) no footer is written: the file reads as truncated.
      writer.close();
    }
  }

  const queue = todo.slice();
  const running: Promise<void>[] = [];
  // 'auto' adds one lane at a time: the next waits until the last one holds its handle, so each
  // decision sees what the previous handle cost.
  let growing = false;
  function grow(): void {
    if (!adaptive || growing || signal?.aborted || running.length >= Math.min(lanes, todo.length)) return;
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
    for (let plan = queue.shift(); plan && !signal?.aborted; plan = queue.shift()) {
      // Agents that answer synchronously would otherwise keep the whole run in one chain of
      // microtasks: timers, Ctrl-C and the progress bar get their turn between episodes.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) {
        queue.unshift(plan);
        break;
      }
      let env: EnvHandle;
      try {
        env = await pool.acquire();
        started();
      } catch (e) {
        started();
        const o = blank(plan, 'failed', failureOfError(e, 'environment'));
        outcomes.set(plan.index, o);
        progress.failed++;
        report(o);
        continue;
      }
      if (signal?.aborted) {
        // Stopped while a handle was opening: leave the episode unstarted (no stray file).
        pool.release(env);
        break;
      }
      progress.episodesInFlight++;
      let o: EpisodeOutcome;
      let broken = false;
      try {
        o = await play(plan, env);
      } catch (e) {
        // reset failed, or something unexpected: the handle may be in any state, so replace it.
        broken = true;
        o = blank(plan, 'failed', failureOfError(e, 'environment'));
      } finally {
        progress.episodesInFlight--;
      }
      if (broken) pool.discard(env);
      else pool.release(env);
      outcomes.set(plan.index, o);
      if (o.failure) progress.failed++;
      else if (o.status === 'complete') {
        progress.done++;
        turnsPerEpisode.add(o.turns);
      }
      report(o);
      grow();
    }
  }
  try {
    for (let i = 0; i < (adaptive ? 1 : Math.min(lanes, todo.length)); i++) running.push(lane());
    // Lanes that 'auto' adds while others run are awaited too.
    for (let n = 0; n < running.length; ) {
      const batch = running.slice(n);
      n = running.length;
      await Promise.all(batch);
    }
  } finally {
    pool.close();
  }
  const episodes = plans.map((p) => outcomes.get(p.index) ?? blank(p, 'pending'));
  return {
    env: `${source.spec.name}@${source.spec.version}`,
    bundle: root,
    agent: agentId,
    episodes,
    interrupted: episodes.some((e) => e.status === 'interrupted' || e.status === 'pending'),
    seconds: (performance.now() - started) / 1000,
    turns: progress.turns,
    steps: progress.steps,
    maxTurnsInFlight: turnLimiter.maxInFlight,
    envHandles: pool.handles,
  };
}

export { failureOfRecord, type OutcomeFailure } from './failure.ts';
// Rollouts and training need the declared bounds: `rollout` and `train` call this before they start.
export { RewardBoundsRequiredError, requireRewardBounds } from './rewardBounds.ts';
export { AgentError };
