import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { bundleId, type EnvSource, PalestraError } from '@palestra/envs';
import { episodeComplete, episodeFailed } from '../play/outcome.ts';
import type { EpisodePlan } from './plan.ts';
import {
  type EpisodeOutcome,
  noProgress,
  type RolloutOptions,
  type RolloutProgress,
  type RolloutResult,
  rollout,
} from './rollout.ts';

/** Messages between the parent and a rollout worker. */
export type ToWorker = { type: 'abort' };
export type FromWorker =
  | { type: 'progress'; progress: RolloutProgress; finished?: EpisodeOutcome }
  | { type: 'done'; result: RolloutResult }
  | {
      type: 'error';
      error: { name: string; message: string; code?: string; hint?: string; details?: unknown };
    };

export interface WorkerRolloutOptions extends Omit<RolloutOptions, 'agent' | 'openEnv'> {
  /**
   * The agent as `palestra rollout --agent` names it (`openai:<model>`, `anthropic:<model>`,
   * `random`, `scripted:<file>`): each worker builds its own agents from it, since functions do
   * not cross threads. Endpoints come from `baseUrl`, else from the environment
   * (`OPENAI_BASE_URL`, …), which workers inherit, as the keys. `human` cannot run in a worker (it
   * reads the terminal).
   */
  agent: string;
  /** The model agent's endpoint (`resolveAgent`'s `baseUrl`). */
  baseUrl?: string | undefined;
  /** The model agent's key (`resolveAgent`'s `apiKey`): handed to each worker in `workerData`, in memory only. */
  apiKey?: string | undefined;
  /** The seed `resolveAgent` gets (the random agent's). */
  agentSeed: number;
  /** Worker threads; the episodes are dealt round-robin by group. Default: the machine's cores. */
  workers?: number;
}

/** Agents whose turns are computed in this process, synchronously (`random`, `scripted:`): nothing to wait for. */
export function answersInProcess(agent: string): boolean {
  return agent === 'random' || agent.startsWith('random:') || agent.startsWith('scripted:');
}

/**
 * Episodes to keep in flight for `--concurrency n`: an agent that answers in-process never waits,
 * so episodes in flight beyond one only cost environment handles (each a worker thread for an
 * environment with code: 32 of them made 64 random refund-desk episodes take 12 s instead of 2.3).
 */
export function effectiveConcurrency(concurrency: number, agent: string): number {
  return answersInProcess(agent) ? 1 : concurrency;
}

/** Model calls in flight that one thread serves before a second thread pays for its start-up. */
export const TURNS_PER_WORKER = 32;

/**
 * How many worker threads `palestra rollout --workers auto` may use (`rolloutAutoWorkers` uses them
 * only if the main thread is measured saturated): one per 32 model calls in flight, up to the
 * cores, and none unless that makes two or more. A single worker only moves the work off
 * the main thread, which then idles: start-up and a second set of environment builds for nothing.
 * None for agents that answer in-process (`random`, `scripted:`): their turns cost microseconds,
 * so threads only add start-up and environment builds (64 random episodes of refund-desk at
 * --concurrency 32 took 13.4 s with workers, 1.5 s without). Model agents with many requests in
 * flight spend the main thread on SDK and JSON work per turn, which is what the threads share.
 *
 * @example
 * defaultWorkers(32, 'openai:m') // 0: one thread serves 32 calls
 * defaultWorkers(256, 'openai:m') // the cores, up to 8
 */
export function defaultWorkers(concurrency: number, agent: string, cores = availableParallelism()): number {
  if (agent === 'human' || answersInProcess(agent)) return 0;
  const n = Math.min(cores, Math.floor(concurrency / TURNS_PER_WORKER));
  return n >= 2 ? n : 0;
}

/**
 * The rollout engine over worker threads: each worker runs the ordinary engine (`rollout`) on
 * its share of the episodes — environment steps, agent calls, turn records and episode files all
 * on its own thread — with its share of the concurrency, so a run uses every core. The parent
 * only deals the episodes, relays progress and Ctrl-C, and merges the results; resume works as
 * in one thread (each worker keeps the complete episodes of its share).
 *
 * @example
 * const r = await rolloutInWorkers(source, { plans, agent: 'openai:qwen', agentSeed: 0, concurrency: 256, workers: 2 });
 */
export async function rolloutInWorkers(
  source: EnvSource,
  options: WorkerRolloutOptions,
): Promise<RolloutResult> {
  const { plans, signal } = options;
  if (options.agent === 'human')
    throw new PalestraError('HUMAN_IN_WORKER', 'the human agent cannot play in a worker thread', {
      hint: 'use one thread (workers 0) to play by hand',
    });
  const concurrency = options.concurrency ?? 4;
  const auto = options.episodesInFlight === 'auto';
  // With 'auto', each worker chooses within its share of the concurrency.
  const lanes = auto ? concurrency : ((options.episodesInFlight as number | undefined) ?? concurrency);
  const groups = [...new Set(plans.map((p) => p.group))];
  const n = Math.max(1, Math.min(options.workers ?? availableParallelism(), groups.length, lanes));
  // Whole groups per worker, dealt round-robin, so each worker's share is spread over the run.
  const shares: EpisodePlan[][] = Array.from({ length: n }, () => []);
  const slot = new Map(groups.map((g, i) => [g, i % n]));
  for (const p of plans) shares[slot.get(p.group)!]!.push(p);
  const started = performance.now();
  const latest: (RolloutProgress | undefined)[] = shares.map(() => undefined);
  const report = (finished?: EpisodeOutcome) => {
    if (!options.onProgress) return;
    const sum: RolloutProgress = {
      ...noProgress(),
      total: plans.length,
      elapsedMs: performance.now() - started,
    };
    for (const p of latest) {
      if (!p) continue;
      sum.done += p.done;
      sum.resumed += p.resumed;
      sum.failed += p.failed;
      sum.turns += p.turns;
      sum.steps += p.steps;
      sum.episodesInFlight += p.episodesInFlight;
      sum.turnsInFlight += p.turnsInFlight;
    }
    options.onProgress(sum, finished);
  };

  const workers: Worker[] = [];
  const onAbort = () => {
    for (const w of workers) w.postMessage({ type: 'abort' } satisfies ToWorker);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const results = await Promise.all(
      shares.map(
        (share, i) =>
          new Promise<RolloutResult>((resolve, reject) => {
            const worker = new Worker(new URL('./rolloutWorker.js', import.meta.url), {
              workerData: {
                source,
                plans: share,
                agent: options.agent,
                baseUrl: options.baseUrl,
                apiKey: options.apiKey,
                agentSeed: options.agentSeed,
                concurrency: Math.max(1, Math.round(concurrency / n)),
                episodesInFlight: auto ? 'auto' : Math.max(1, Math.round(lanes / n)),
                timeoutMs: options.timeoutMs,
                retries: options.retries,
                backoffMs: options.backoffMs,
                progressEveryMs: 100,
              },
            });
            workers.push(worker);
            if (signal?.aborted) worker.postMessage({ type: 'abort' } satisfies ToWorker);
            let settled = false;
            worker.on('message', (m: FromWorker) => {
              if (m.type === 'progress') {
                latest[i] = m.progress;
                report(m.finished);
              } else if (m.type === 'done') {
                settled = true;
                resolve(m.result);
              } else {
                settled = true;
                const e = m.error;
                reject(
                  e.code
                    ? new PalestraError(e.code, e.message, {
                        ...(e.hint ? { hint: e.hint } : {}),
                        details: { ...(e.details as Record<string, unknown>), worker: i },
                      })
                    : new Error(e.message),
                );
              }
            });
            worker.on('error', (e) => {
              settled = true;
              reject(e);
            });
            worker.on('exit', (code) => {
              if (!settled)
                reject(
                  new PalestraError(
                    'WORKER_EXIT',
                    `rollout worker ${i} exited (code ${code}) before finishing`,
                    {
                      hint: 'rerun the same command: complete episodes are kept',
                    },
                  ),
                );
            });
          }),
      ),
    );
    const outcomes = new Map(results.flatMap((r) => r.episodes).map((o) => [o.index, o]));
    const episodes = plans.map((p) => outcomes.get(p.index)!);
    return {
      env: `${source.spec.name}@${source.spec.version}`,
      bundle: results[0]?.bundle ?? (await bundleId(source)),
      agent: results.find((r) => r.agent)?.agent ?? '',
      episodes,
      interrupted: results.some((r) => r.interrupted),
      seconds: (performance.now() - started) / 1000,
      turns: results.reduce((a, r) => a + r.turns, 0),
      steps: results.reduce((a, r) => a + r.steps, 0),
      // Each worker's most, summed: an upper bound of the run's most.
      maxTurnsInFlight: results.reduce((a, r) => a + r.maxTurnsInFlight, 0),
      envHandles: results.reduce((a, r) => a + r.envHandles, 0),
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The main thread's busy share (event-loop utilisation) from which worker threads pay. */
export const SATURATED = 0.8;

export interface AutoWorkerRolloutOptions extends WorkerRolloutOptions {
  /** The same agent, built on this thread (for the episodes the main thread plays). */
  local: RolloutOptions['agent'];
  /** Called once the pilot has measured the main thread: the threads chosen for the rest (0: none). */
  onDecision?: (decision: { workers: number; utilization: number }) => void;
}

/**
 * `--workers auto`: threads only when the measured cost per turn says the main thread cannot keep
 * up. Threads pay when the main thread is saturated by per-turn work (SDK calls, JSON, turn
 * records) for many model calls in flight; otherwise they only add start-up and a second set of
 * environment builds (64 episodes against a local server: 6.0 s over 2 threads, 2.1 s on one).
 * So a run that could use threads (`defaultWorkers` > 0) first plays about an eighth of its groups
 * on the main thread and measures its event-loop utilisation; at `SATURATED` or above the rest
 * goes to `defaultWorkers` threads, below it stays on the main thread. A run that could not use
 * threads plays on the main thread with no pilot.
 *
 * @example
 * const r = await rolloutAutoWorkers(source, { plans, agent: 'openai:m', local: () => agent, agentSeed: 0, concurrency: 256 });
 */
export async function rolloutAutoWorkers(
  source: EnvSource,
  options: AutoWorkerRolloutOptions,
): Promise<RolloutResult & { workers: number }> {
  const { local, onDecision, workers: _ignored, agent, agentSeed, baseUrl, apiKey, ...common } = options;
  const candidates = defaultWorkers(options.concurrency ?? 4, agent);
  if (candidates === 0) return { ...(await rollout(source, { ...common, agent: local })), workers: 0 };
  const groups = [...new Set(options.plans.map((p) => p.group))];
  const pilotGroups = new Set(groups.slice(0, Math.max(1, Math.ceil(groups.length / 8))));
  const pilot = options.plans.filter((p) => pilotGroups.has(p.group));
  const rest = options.plans.filter((p) => !pilotGroups.has(p.group));
  const started = performance.now();
  const elu = performance.eventLoopUtilization();
  const first = await rollout(source, { ...common, plans: pilot, agent: local });
  const utilization = performance.eventLoopUtilization(elu).utilization;
  const workers = utilization >= SATURATED ? candidates : 0;
  onDecision?.({ workers, utilization });
  if (rest.length === 0 || options.signal?.aborted) return { ...first, workers: 0 };
  // The second part reports progress on top of the first.
  const offset = {
    done: first.episodes.filter(episodeComplete).length,
    failed: first.episodes.filter(episodeFailed).length,
    resumed: first.episodes.filter((e) => e.status === 'resumed').length,
  };
  const onProgress: RolloutOptions['onProgress'] = options.onProgress
    ? (p, finished) =>
        options.onProgress!(
          {
            ...p,
            total: options.plans.length,
            done: p.done + offset.done,
            failed: p.failed + offset.failed,
            resumed: p.resumed + offset.resumed,
            turns: p.turns + first.turns,
            steps: p.steps + first.steps,
            elapsedMs: performance.now() - started,
          },
          finished,
        )
    : undefined;
  const more = { ...common, plans: rest, ...(onProgress ? { onProgress } : {}) };
  const second =
    workers > 0
      ? await rolloutInWorkers(source, { ...more, agent, agentSeed, baseUrl, apiKey, workers })
      : await rollout(source, { ...more, agent: local });
  const byIndex = new Map([...first.episodes, ...second.episodes].map((e) => [e.index, e]));
  return {
    env: first.env,
    bundle: first.bundle,
    agent: first.agent || second.agent,
    episodes: options.plans.map((p) => byIndex.get(p.index)!),
    interrupted: first.interrupted || second.interrupted,
    seconds: (performance.now() - started) / 1000,
    turns: first.turns + second.turns,
    steps: first.steps + second.steps,
    maxTurnsInFlight: Math.max(first.maxTurnsInFlight, second.maxTurnsInFlight),
    envHandles: first.envHandles + second.envHandles,
    workers,
  };
}
