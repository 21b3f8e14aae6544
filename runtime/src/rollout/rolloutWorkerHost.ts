import { parentPort, workerData } from 'node:worker_threads';
import type { EnvSource } from '@palestra/envs';
import { resolveAgent } from '../agents/resolve.ts';
import type { EpisodePlan } from './plan.ts';
import { type EpisodeOutcome, type RolloutProgress, rollout } from './rollout.ts';
import type { FromWorker, ToWorker } from './workers.ts';

/**
 * A rollout worker: plays its share of the run's episodes with the ordinary engine, on its own
 * thread, and reports progress, finished episodes and its result to the parent.
 */
const data = workerData as {
  source: EnvSource;
  plans: EpisodePlan[];
  agent: string;
  baseUrl?: string;
  apiKey?: string;
  agentSeed: number;
  concurrency: number;
  episodesInFlight: number | 'auto';
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  progressEveryMs: number;
};
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const controller = new AbortController();
port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') controller.abort(new Error('the run was stopped'));
});

let last = 0;
let latest: RolloutProgress | undefined;
try {
  const result = await rollout(data.source, {
    plans: data.plans,
    agent: () =>
      resolveAgent(data.agent, data.source.spec, data.agentSeed, {
        baseUrl: data.baseUrl,
        apiKey: data.apiKey,
      }),
    concurrency: data.concurrency,
    episodesInFlight: data.episodesInFlight,
    signal: controller.signal,
    ...(data.timeoutMs === undefined ? {} : { timeoutMs: data.timeoutMs }),
    ...(data.retries === undefined ? {} : { retries: data.retries }),
    ...(data.backoffMs === undefined ? {} : { backoffMs: data.backoffMs }),
    onProgress: (p: RolloutProgress, finished?: EpisodeOutcome) => {
      latest = p;
      // Progress is throttled (a message per turn would cost the parent more than the turn);
      // finished episodes are always sent.
      const now = performance.now();
      if (finished || now - last >= data.progressEveryMs) {
        last = now;
        post({ type: 'progress', progress: p, ...(finished ? { finished } : {}) });
      }
    },
  });
  if (latest) post({ type: 'progress', progress: latest });
  post({ type: 'done', result });
} catch (e) {
  const err = e as { name?: string; code?: string; message?: string; details?: unknown; hint?: string };
  post({
    type: 'error',
    error: {
      name: err?.name ?? 'Error',
      message: err?.message ?? String(e),
      ...(err?.code ? { code: err.code } : {}),
      ...(err?.hint ? { hint: err.hint } : {}),
      ...(err?.details ? { details: err.details } : {}),
    },
  });
}
