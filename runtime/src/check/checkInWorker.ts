/**
 * The environment checker in a worker thread with a wall-clock budget. A check runs the
 * environment's code: a loop in native code (QuickJS's C code never polls an interrupt handler)
 * cannot be stopped by any step deadline, so it would hang the thread that runs it. Here it hangs
 * a worker thread, which is ended when the budget runs out; the caller's thread keeps running.
 * `palestra check` and the studio's environment pages both check through this function.
 */
import { Worker } from 'node:worker_threads';
import { PalestraError } from '@palestra/envs';
import type { EnvSource } from '@palestra/envs/core';
import type { CheckOptions, CheckReport } from '@palestra/envs/node';

/** What `checkInWorker` takes: the checker's options it passes on, and the budget. */
export interface CheckInWorkerOptions extends Pick<CheckOptions, 'episodes' | 'seed' | 'crossHost'> {
  /** Wall-clock milliseconds the check may take before its thread is ended (`CHECK_TIMEOUT`). */
  budgetMs: number;
  /**
   * Aborting ends the thread at once. The call rejects with the abort's reason when it is a
   * `PalestraError` (the studio passes `STUDIO_CLOSED`), else with `JOB_ABORTED`.
   */
  signal?: AbortSignal;
}

/** What the thread posts back. */
type Answer = { ok: true; report: CheckReport } | { ok: false; code: string; message: string; hint?: string };

/**
 * Checks `source` in a worker thread and ends the thread after `budgetMs`. Resolves the report
 * (which may hold errors: that is a check that ran); rejects with a `PalestraError` when the check
 * could not run: `CHECK_TIMEOUT` past the budget, `CHECK_FAILED` when the thread died, or the
 * error the checker threw, with its code, message and hint.
 *
 * @example
 * const report = await checkInWorker(await jobSource('refund-desk'), { budgetMs: 120_000 });
 * if (!report.ok) process.exitCode = 1;
 */
export async function checkInWorker(source: EnvSource, options: CheckInWorkerOptions): Promise<CheckReport> {
  const { budgetMs, signal, ...checkOptions } = options;
  if (signal?.aborted) throw abortError(signal);
  const worker = new Worker(new URL('./checkWorker.js', import.meta.url), {
    workerData: { spec: source.spec, files: source.files, options: checkOptions },
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  let onAbort = () => {};
  try {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(timeoutError(budgetMs)), budgetMs);
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      onAbort = () => {
        settle();
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (m: Answer) => {
        settle();
        resolve(m);
      });
      worker.once('error', (e) => {
        settle();
        // Out of memory under `resourceLimits`, or a module that failed to load in the thread.
        reject(new PalestraError('CHECK_FAILED', `the checker's thread failed: ${e.message}`, { cause: e }));
      });
      worker.once('exit', (code) => {
        settle();
        reject(
          new PalestraError('CHECK_FAILED', `the checker's thread exited (code ${code}) before it answered`),
        );
      });
    });
    if (answer.ok) return answer.report;
    throw new PalestraError(
      answer.code,
      answer.message,
      answer.hint === undefined ? {} : { hint: answer.hint },
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

function timeoutError(budgetMs: number): PalestraError {
  return new PalestraError('CHECK_TIMEOUT', `the check did not finish in ${budgetMs / 1000} s`, {
    hint: "a step of this environment's code may never return (a loop in native code): fix it; if the environment is only slow, give it longer with palestra check --timeout <seconds>",
  });
}

function abortError(signal: AbortSignal): PalestraError {
  if (signal.reason instanceof PalestraError) return signal.reason;
  return new PalestraError('JOB_ABORTED', 'the check was stopped before it finished', {
    hint: 'run it again',
  });
}
