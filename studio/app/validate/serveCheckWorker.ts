// The checker itself, not `@palestra/envs/node` (files, worker threads, the cross-host process):
// check.ts bundles for a browser once the cross-host run is off (see LIVE_CHECK_OPTIONS).
import { checkEnv } from '@palestra/envs/check';
import { type EnvSource, PalestraError, type QuickJSWasm, setQuickJSWasm } from '@palestra/envs/core';
import type { CheckOptions, CheckReport } from '@palestra/envs/node';
import { CROSS_HOST_SKIPPED } from './liveChecker.ts';

/** A check asked of the worker: the source `parseStage` validated, and where QuickJS is served. */
export interface CheckRequest {
  id: number;
  source: EnvSource;
  /** Where the worker loads QuickJS's WebAssembly from (`setQuickJSWasm`): a URL's href, or the bytes. */
  wasm?: Exclude<QuickJSWasm, URL>;
}

/** The worker's answer: the report, or why the checker itself failed. */
export type CheckReply =
  | { id: number; ok: true; report: CheckReport; ms: number }
  | { id: number; ok: false; code: string; message: string; hint?: string };

/** What `serveCheckWorker` needs of the worker's global scope (a `DedicatedWorkerGlobalScope`). */
export interface CheckWorkerScope {
  postMessage(message: CheckReply): void;
  addEventListener(type: 'message', listener: (event: { data: CheckRequest }) => void): void;
}

/**
 * The checker's options for a check after every edit: the server's quick check with smaller
 * budgets (about half its time; the same findings on every catalog environment, see
 * studio/bench/liveCheck.bench.ts), and no cross-host replay, which needs a second Node process.
 * The budgets are counts, not seconds, so a verdict does not depend on how busy the machine is.
 */
export const LIVE_CHECK_OPTIONS = {
  episodes: 20,
  graphBudget: 3000,
  graphRounds: 3,
  tasks: 3,
  wideTasks: 20,
  crossHost: { skipped: CROSS_HOST_SKIPPED },
} as const satisfies CheckOptions;

/**
 * The Web Worker side of the live check: runs the core's `checkEnv` on each source the page sends
 * and answers with the report. One check at a time, in order; the page terminates this worker
 * when a newer edit supersedes a running check or a check outlives its time limit (environment
 * code may loop), and starts a fresh one.
 *
 * @example
 * // checkWorker.ts, bundled as its own entry by studio/server/buildWorker.ts
 * serveCheckWorker();
 */
export function serveCheckWorker(scope: CheckWorkerScope = globalThis as unknown as CheckWorkerScope): void {
  let wasmSet = false;
  let queue: Promise<void> = Promise.resolve();
  const answer = async ({ id, source, wasm }: CheckRequest): Promise<CheckReply> => {
    const started = performance.now();
    try {
      // Once per worker: QuickJS is compiled on the first environment with code and kept.
      if (wasm !== undefined && !wasmSet) {
        setQuickJSWasm(wasm);
        wasmSet = true;
      }
      const report = await checkEnv(source, LIVE_CHECK_OPTIONS);
      return { id, ok: true, report, ms: performance.now() - started };
    } catch (e) {
      // The checker reports an environment's errors as findings: what lands here is the checker's own.
      const typed = e instanceof PalestraError;
      return {
        id,
        ok: false,
        code: typed ? e.code : 'UNEXPECTED_ERROR',
        message: (e as Error)?.message ?? String(e),
        ...(typed && e.hint !== undefined && { hint: e.hint }),
      };
    }
  };
  scope.addEventListener('message', ({ data }) => {
    queue = queue.then(async () => scope.postMessage(await answer(data)));
  });
}
