import type { EnvSource } from '@palestra/envs/core';
import type { CheckReport } from '@palestra/envs/node';
import type { CheckReply, CheckRequest } from './serveCheckWorker.ts';

/** What the runner needs of a Web Worker (the DOM's `Worker` has it). */
export interface CheckWorkerLike {
  postMessage(message: CheckRequest): void;
  addEventListener(type: 'message', listener: (event: { data: CheckReply }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

/** How one full check ended. */
export type FullCheckOutcome =
  | { kind: 'report'; report: CheckReport; ms: number }
  /** A newer check (or `cancel`) stopped it: its result would be stale. */
  | { kind: 'superseded' }
  /** It outlived the time limit and its worker was terminated. */
  | { kind: 'timeout'; ms: number }
  /** The worker could not run the checker (its script failed to load, or the checker threw). */
  | { kind: 'failed'; code: string; message: string; hint?: string };

export interface CheckWorkerRunnerOptions {
  /** Starts the worker, e.g. `() => new Worker('/check-worker.js', { type: 'module' })`. */
  createWorker: () => CheckWorkerLike;
  /** Where the worker loads QuickJS's WebAssembly from: a URL's href, or the bytes. */
  wasm?: CheckRequest['wasm'];
  /** How long one check may take, the worker's start included, before it is terminated. */
  timeLimitMs?: number;
}

/** Default time limit: the live budgets check the catalog's largest environment in 3–4 s in a Chromium worker. */
export const LIVE_CHECK_TIME_LIMIT_MS = 15_000;

interface Running {
  id: number;
  resolve: (outcome: FullCheckOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Runs full checks in a Web Worker, one at a time. The worker is kept between checks (QuickJS is
 * compiled once in it); a check asked while another runs supersedes it: the worker is terminated,
 * which is the only way to stop environment code that loops, and a fresh one takes the new check.
 * A check that outlives the time limit is stopped the same way.
 *
 * @example
 * const runner = new CheckWorkerRunner({ createWorker: () => new Worker('/check-worker.js', { type: 'module' }) });
 * const outcome = await runner.check(source); // { kind: 'report', report, ms }
 */
export class CheckWorkerRunner {
  private worker: CheckWorkerLike | undefined;
  private running: Running | undefined;
  private nextId = 1;

  constructor(private readonly options: CheckWorkerRunnerOptions) {}

  /**
   * Checks `source` (a spec `parseSpec` accepted, with its files); never rejects. `timeLimitMs`
   * overrides the runner's limit for this check.
   */
  check(
    source: EnvSource,
    timeLimitMs = this.options.timeLimitMs ?? LIVE_CHECK_TIME_LIMIT_MS,
  ): Promise<FullCheckOutcome> {
    this.cancel();
    const worker = this.start();
    const id = this.nextId++;
    const started = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stop();
        resolve({ kind: 'timeout', ms: performance.now() - started });
      }, timeLimitMs);
      this.running = {
        id,
        timer,
        resolve: (outcome) => {
          clearTimeout(timer);
          this.running = undefined;
          resolve(outcome);
        },
      };
      worker.postMessage({
        id,
        source,
        ...(this.options.wasm !== undefined && { wasm: this.options.wasm }),
      });
    });
  }

  /** Stops the running check, if any (its promise resolves `superseded`). */
  cancel(): void {
    if (this.running) this.stop()?.resolve({ kind: 'superseded' });
  }

  /** Stops the worker for good (a page that leaves). */
  close(): void {
    this.cancel();
    this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): CheckWorkerLike {
    if (this.worker) return this.worker;
    const worker = this.options.createWorker();
    worker.addEventListener('message', ({ data }) => {
      const running = this.running;
      // An answer for a check that was superseded meanwhile is dropped (its worker is gone anyway).
      if (worker !== this.worker || !running || data.id !== running.id) return;
      running.resolve(
        data.ok
          ? { kind: 'report', report: data.report, ms: data.ms }
          : {
              kind: 'failed',
              code: data.code,
              message: data.message,
              ...(data.hint !== undefined && { hint: data.hint }),
            },
      );
    });
    worker.addEventListener('error', (event) => {
      if (worker !== this.worker) return;
      const running = this.stop();
      running?.resolve({
        kind: 'failed',
        code: 'CHECK_WORKER_FAILED',
        message: `the live check's worker failed: ${event.message ?? 'its script did not load'}`,
        hint: 'reload the page; if it persists, the studio build lacks /check-worker.js (npm run build in studio/)',
      });
    });
    this.worker = worker;
    return worker;
  }

  /** Terminates the worker; returns the check that was running in it (its timer cleared). */
  private stop(): Running | undefined {
    const running = this.running;
    this.running = undefined;
    if (running) clearTimeout(running.timer);
    this.worker?.terminate();
    this.worker = undefined;
    return running;
  }
}
