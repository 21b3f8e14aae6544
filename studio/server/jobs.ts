/**
 * The studio's running jobs: a runtime job (`rollout`, `branch`, a learnability report…) started
 * from a page, with its abort controller, its latest progress, its status and its result, and the
 * pages that watch it (`/jobs/:id/events`). Jobs live in this process's memory only: a restarted
 * studio forgets them, while what they recorded (a run folder) stays and a same call resumes it.
 * Whatever a job closes over (an API key typed in a page) stays in memory with it and is never
 * part of its state, which is what the pages see.
 */
import { randomUUID } from 'node:crypto';

/** Where a job stands. */
export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** Why a job failed, as the pages show it. */
export interface JobError {
  code: string;
  message: string;
  hint?: string;
}

/** What the pages see of a job (JSON: sent as is in the event stream). */
export interface JobState<P = unknown, R = unknown> {
  id: string;
  /** What runs: `rollout`, `branch`, `learnability`… */
  kind: string;
  /** A line for people (`frozen-lake · random · 8 episodes`). */
  label: string;
  status: JobStatus;
  /** The latest progress event, if any came. */
  progress?: P;
  /** The job's result: when done, and when a cancelled job still returned one (an interrupted rollout). */
  result?: R;
  error?: JobError;
  /** Anything the starter wants the pages to know (the run folder, the options to resume with). */
  meta?: Record<string, unknown>;
  /** `Date.now()` at the start and at the end. */
  startedAt: number;
  endedAt?: number;
}

/** What a watcher receives: each progress event, then the end (the final state). */
export type JobEvent<P = unknown, R = unknown> =
  | { type: 'progress'; progress: P }
  | { type: 'end'; job: JobState<P, R> };

/** The job's body: stop at a safe point when `signal` aborts; `emit` reports progress. */
export type JobBody<P, R> = (signal: AbortSignal, emit: (progress: P) => void) => Promise<R>;

interface Entry {
  state: JobState;
  controller: AbortController;
  listeners: Set<(event: JobEvent) => void>;
  finished: Promise<void>;
}

/** Finished jobs kept for pages that come back to them; older ones are forgotten. */
const KEEP_FINISHED = 100;
const jobs = new Map<string, Entry>();

/** A thrown value as code + message + hint (a `PalestraError`'s, or `JOB_FAILED`). */
export function jobError(e: unknown): JobError {
  const err = e as { code?: unknown; message?: unknown; hint?: unknown; details?: { hint?: unknown } };
  const hint = typeof err?.hint === 'string' ? err.hint : err?.details?.hint;
  return {
    code: typeof err?.code === 'string' ? err.code : 'JOB_FAILED',
    message: typeof err?.message === 'string' ? err.message : String(e),
    ...(typeof hint === 'string' ? { hint } : {}),
  };
}

function forgetOldest(): void {
  const finished = [...jobs.values()].filter((e) => e.state.status !== 'running');
  for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(e.state.id);
}

/**
 * Starts `body` as a job and returns its state at once. A job whose signal was aborted ends
 * `cancelled` (keeping a result it still returned); one that throws otherwise ends `failed` with
 * the error's code, message and hint.
 *
 * @example
 * const job = startJob('rollout', 'frozen-lake · random', (signal, emit) =>
 *   rollout({ env: 'frozen-lake', episodes: 8, out }, { signal, onProgress: emit }));
 * subscribeJob(job.id, (e) => console.log(e));
 */
export function startJob<P, R>(
  kind: string,
  label: string,
  body: JobBody<P, R>,
  meta?: Record<string, unknown>,
): JobState<P, R> {
  const controller = new AbortController();
  const state: JobState = {
    id: randomUUID(),
    kind,
    label,
    status: 'running',
    startedAt: Date.now(),
    ...(meta ? { meta } : {}),
  };
  const entry: Entry = { state, controller, listeners: new Set(), finished: Promise.resolve() };
  jobs.set(state.id, entry);
  const send = (event: JobEvent) => {
    for (const listener of [...entry.listeners]) {
      try {
        listener(event);
      } catch {
        // A watcher that fails (a closed stream) must not stop the job or the other watchers.
      }
    }
  };
  const emit = (progress: P) => {
    if (state.status !== 'running') return;
    state.progress = progress;
    send({ type: 'progress', progress });
  };
  const end = (patch: Partial<JobState>) => {
    Object.assign(state, patch, { endedAt: Date.now() });
    send({ type: 'end', job: { ...state } });
    entry.listeners.clear();
    forgetOldest();
  };
  entry.finished = (async () => {
    try {
      // A body that throws synchronously fails like one that rejects.
      const result = await Promise.resolve().then(() => body(controller.signal, emit));
      end({ status: controller.signal.aborted ? 'cancelled' : 'done', result });
    } catch (e) {
      end(
        controller.signal.aborted
          ? { status: 'cancelled', error: { code: 'JOB_ABORTED', message: `${label} was stopped` } }
          : { status: 'failed', error: jobError(e) },
      );
    }
  })();
  return state as JobState<P, R>;
}

/** A job's state now (a copy), or `undefined` for an unknown or forgotten id. */
export function getJob<P = unknown, R = unknown>(id: string): JobState<P, R> | undefined {
  const entry = jobs.get(id);
  return entry ? ({ ...entry.state } as JobState<P, R>) : undefined;
}

/**
 * Watches a job: `listener` gets each progress event (at most one per `throttleMs`, the latest,
 * none lost at the end) and then the end. Returns the unsubscribe function; a finished job calls
 * nothing (read `getJob`).
 *
 * @example
 * const stop = subscribeJob(id, (e) => res.write(`data: ${JSON.stringify(e)}\n\n`), { throttleMs: 100 });
 */
export function subscribeJob<P = unknown, R = unknown>(
  id: string,
  listener: (event: JobEvent<P, R>) => void,
  options: {
    throttleMs?: number;
    /** Events of another phase than the pending one (`scores` after `episodes`) flush it first: a phase's last event is never dropped. */
    phase?: (progress: P) => unknown;
  } = {},
): () => void {
  const entry = jobs.get(id);
  if (entry?.state.status !== 'running') return () => {};
  const every = options.throttleMs ?? 0;
  let last = 0;
  let pending: JobEvent | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (!pending) return;
    const event = pending;
    pending = undefined;
    last = Date.now();
    try {
      listener(event as JobEvent<P, R>);
    } catch {
      // As in `startJob`'s `send`: a failing watcher stops nothing.
    }
  };
  const watcher = (event: JobEvent) => {
    if (event.type === 'end') {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      listener(event as JobEvent<P, R>);
      return;
    }
    if (pending?.type === 'progress' && event.type === 'progress' && options.phase) {
      if (options.phase(pending.progress as P) !== options.phase(event.progress as P)) flush();
    }
    pending = event;
    const wait = last + every - Date.now();
    if (wait <= 0) flush();
    else
      timer ??= setTimeout(() => {
        timer = undefined;
        flush();
      }, wait);
  };
  entry.listeners.add(watcher);
  return () => {
    entry.listeners.delete(watcher);
    if (timer) clearTimeout(timer);
  };
}

/** Aborts a running job; it ends `cancelled` at its next safe point. False for an unknown or finished job. */
export function cancelJob(id: string): boolean {
  const entry = jobs.get(id);
  if (entry?.state.status !== 'running') return false;
  entry.controller.abort(new Error('cancelled from the studio'));
  return true;
}

/** Resolves when the job has ended (at once for an unknown one). */
export function jobFinished(id: string): Promise<void> {
  return jobs.get(id)?.finished ?? Promise.resolve();
}

/**
 * Aborts every running job and waits for them to stop (a closing studio), at most `waitMs`: a
 * rollout stops at its next safe point and its folder stays resumable.
 */
export async function abortAllJobs(waitMs = 5000): Promise<void> {
  const running = [...jobs.values()].filter((e) => e.state.status === 'running');
  for (const e of running) e.controller.abort(new Error('the studio closed'));
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all(running.map((e) => e.finished)),
    new Promise<void>((done) => {
      timer = setTimeout(done, waitMs);
      timer.unref?.();
    }),
  ]);
  if (timer) clearTimeout(timer);
}
