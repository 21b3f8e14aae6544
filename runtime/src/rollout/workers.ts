import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bundleId, type EnvSource, PalestraError } from '@palestra/envs';
import type { EpisodePlan } from './plan.ts';
import type { EpisodeOutcome, RolloutOptions, RolloutProgress, RolloutResult } from './rollout.ts';

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
   * not cross threads. Endpoints and keys come from the environment (`OPENAI_BASE_URL`, …), which
   * workers inherit. `human` cannot run in a worker (it reads the terminal).
   */
  agent: string;
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

/**
 * How many workers `palestra rollout` uses for a run: none for small runs (a worker costs ~0.3 s to
 * start, and builds its own environments), and none for agents that answer in-process (`random`,
 * `scripted:`): their turns cost microseconds, so threads only add start-up and environment builds
 * (64 random episodes of refund-desk at --concurrency 32 took 13.4 s with workers, 1.5 s without).
 * Model agents keep many requests in flight, whose SDK and JSON work is what the threads share.
 */
export function defaultWorkers(episodesInFlight: number, agent: string): number {
  if (agent === 'human' || episodesInFlight < 32 || answersInProcess(agent)) return 0;
  return Math.min(availableParallelism(), Math.ceil(episodesInFlight / 32));
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
  const lanes = options.episodesInFlight ?? concurrency;
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
      total: plans.length,
      done: 0,
      resumed: 0,
      failed: 0,
      turns: 0,
      steps: 0,
      episodesInFlight: 0,
      turnsInFlight: 0,
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
                agentSeed: options.agentSeed,
                concurrency: Math.max(1, Math.round(concurrency / n)),
                episodesInFlight: Math.max(1, Math.round(lanes / n)),
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
