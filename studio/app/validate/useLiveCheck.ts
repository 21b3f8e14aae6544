import { useEffect, useLayoutEffect, useState } from 'react';
import type { DocProblem } from '../doc/toSpec.ts';
import { CheckWorkerRunner } from './checkWorkerRunner.ts';
import { LIVE_CHECK_DEBOUNCE_MS, type LiveCheck, LiveChecker } from './liveChecker.ts';

export type { LiveCheck } from './liveChecker.ts';

/** Where the studio serves the check worker and QuickJS's WebAssembly (see studio/server/buildWorker.ts). */
const CHECK_WORKER_URL = '/check-worker.js';
const QUICKJS_WASM_URL = '/quickjs.wasm';

/**
 * Validates `source` (the document's `toSpec` result and files) after `debounceMs` of quiet.
 * `paths` (optional: `toSpec`'s own `paths`, document state id → dotted state id) places the
 * document's problems on their states; without it they are listed but not placed.
 *
 * Stage 1 (the core's `parseSpec`) runs on the page and answers at once with `checked: 'parse'`;
 * stage 2 (the core's `checkEnv`, small budgets, no cross-host replay) runs in a Web Worker and
 * answers with `checked: 'full'`. While a newer change waits for its check the result is
 * `pending`: a result is always for the latest `source`. On the server (no Worker) it stays
 * `pending`.
 *
 * @example
 * const result = toSpec(doc);
 * const check = useLiveCheck({ spec: result.spec, files: filesOf(doc), docProblems: result.problems, paths: result.paths });
 * if (check.state === 'done') check.problems;
 */
export function useLiveCheck(
  source:
    | {
        spec: unknown;
        files: Record<string, string>;
        docProblems: readonly DocProblem[];
        paths?: ReadonlyMap<string, string>;
      }
    | undefined,
  options?: { debounceMs?: number },
): LiveCheck {
  const [check, setCheck] = useState<LiveCheck>({ state: 'pending' });
  const [checker, setChecker] = useState<LiveChecker | undefined>(undefined);
  const debounceMs = options?.debounceMs ?? LIVE_CHECK_DEBOUNCE_MS;

  // In an effect: a Worker exists only in the browser, and a page that leaves stops it.
  useEffect(() => {
    const runner = new CheckWorkerRunner({
      createWorker: () => new Worker(CHECK_WORKER_URL, { type: 'module', name: 'palestra live check' }),
      wasm: new URL(QUICKJS_WASM_URL, location.href).href,
    });
    const live = new LiveChecker({ debounceMs, full: runner, onResult: setCheck });
    setChecker(live);
    return () => {
      live.close();
      runner.close();
    };
  }, [debounceMs]);

  // Before the browser paints: the change reports `pending` at once, so a result for the older
  // source is never painted beside the newer one. A new checker (another debounceMs) gets the
  // current source too.
  useLayoutEffect(() => {
    checker?.update(source);
  }, [checker, source]);

  return check;
}
