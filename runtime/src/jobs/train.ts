/**
 * The train job: a model trained on an environment's tasks (warm-start SFT on transcripts, then GRPO
 * or PPO on its own rollouts), as `palestra train`, the studio and the provider run it.
 */
import {
  type TrainOptions as EngineOptions,
  train as runTraining,
  type TrainEvent,
  type TrainResult,
} from '../train/train.ts';
import { type EnvRef, jobSource } from './env.ts';
import { type JobContext, throwIfAborted } from './job.ts';

export type { TrainEvent, TrainPhase, TrainResult } from '../train/train.ts';

/**
 * Everything `palestra train` is told, as plain data: the environment by reference, and the loop's
 * settings (each documented on `train/train.ts`'s `TrainOptions`). Algorithm options are objects here; the CLI reads
 * them from `--config`.
 */
export interface TrainOptions extends Omit<EngineOptions, 'source' | 'signal' | 'onEvent' | 'log'> {
  /** The environment: a catalog name, a folder with `spec.json`, or a loaded source. */
  env: EnvRef;
}

/**
 * What the run reports on the way: the loop's events (`start`, a `phase` with its counts, each
 * finished `step` with its record and the whole state, a `warning` that it learns nothing), and
 * the trainer service's own lines (`log`: the install's progress and the server's stderr).
 */
export type TrainProgress = TrainEvent | { kind: 'log'; line: string };

/**
 * Trains `options.model` on `options.env` (see `train/train.ts` for the loop). Every finished step
 * is recorded in `out/train.json` and the adapter beside it, so a second call with the same options
 * resumes after the last finished step (only `steps` may grow).
 *
 * Aborting `context.signal` stops the run after its current phase: in-flight episodes stop, a
 * step being trained finishes and is recorded, the trainer service is stopped, and the result says
 * `interrupted: true`. A signal aborted before the call throws `JOB_ABORTED`, with nothing started.
 * Options that cannot train (no reward bounds, SFT without transcripts, a temperature of 0 for
 * GRPO/PPO) are refused before the trainer starts.
 *
 * @example
 * const controller = new AbortController();
 * const result = await train(
 *   { env: 'echo-phrasings', algo: 'grpo', model: 'tiny', steps: 10, group: 8, out: 'runs/echo' },
 *   { signal: controller.signal, onProgress: (e) => e.kind === 'step' && console.log(e.record.step) },
 * );
 * console.log(result.interrupted ? 'stopped: call again to resume' : result.chart);
 */
export async function train(
  options: TrainOptions,
  context: JobContext<TrainProgress> = {},
): Promise<TrainResult> {
  throwIfAborted(context.signal, 'train');
  const source = await jobSource(options.env);
  const { env: _env, ...settings } = options;
  const progress = context.onProgress;
  return runTraining({
    ...settings,
    source,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(progress
      ? {
          onEvent: (event: TrainEvent) => progress(event),
          log: (line: string) => progress({ kind: 'log', line }),
        }
      : {}),
  });
}
