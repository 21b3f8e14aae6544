/**
 * The shape every use case of the runtime shares. A job is a plain async function
 * `job(options, context)`: typed options in, a typed result out, typed progress events on the
 * way. It prints nothing and reads no `process.argv` or environment flags of its own: the CLI, the
 * studio server and the provider daemon all call the same function and render what it reports.
 *
 * Cancelling is through `context.signal`. A job stops at the next safe point and returns (or
 * throws `JOB_ABORTED` when it has nothing coherent to return); work already recorded on disk
 * stays, so the same call again resumes where it stopped.
 *
 * @example
 * const controller = new AbortController();
 * const result = await rollout({ env: 'frozen-lake', agent: 'random', episodes: 8 }, {
 *   signal: controller.signal,
 *   onProgress: (e) => console.log(e.done, '/', e.total),
 * });
 */
import { PalestraError } from '@palestra/envs';

export interface JobContext<P> {
  /** Aborting stops the job at its next safe point; what it recorded stays for a resume. */
  signal?: AbortSignal;
  /** Called with each progress event, synchronously; keep it cheap. */
  onProgress?: (event: P) => void;
}

/** A use case: `(options, context) => result`. */
export type Job<Options, Result, Progress = never> = (
  options: Options,
  context?: JobContext<Progress>,
) => Promise<Result>;

/**
 * Throws `JOB_ABORTED` when `signal` is aborted: for a job at a point where it cannot return a
 * partial result that means something.
 *
 * @example
 * throwIfAborted(context.signal, 'evaluate'); // before starting the second side
 */
export function throwIfAborted(signal: AbortSignal | undefined, job: string): void {
  if (signal?.aborted)
    throw new PalestraError('JOB_ABORTED', `${job} was stopped before it finished`, {
      hint: 'run it again: episodes already recorded are kept and the rest are played',
    });
}
