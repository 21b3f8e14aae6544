// A checker thread: checks one environment and posts its report, or its error's code, message and
// hint. Run by `checkInWorker` (checkInWorker.ts), which ends the thread if it outlives its budget.
import { parentPort, workerData } from 'node:worker_threads';
import { envSource } from '@palestra/envs/core';
import { type CheckOptions, checkEnv } from '@palestra/envs/node';

const { spec, files, options } = workerData as {
  spec: unknown;
  files: Record<string, string>;
  options: CheckOptions;
};
// In a promise: a spec that no longer parses throws from envSource, and its code must reach the caller.
Promise.resolve()
  .then(() => checkEnv(envSource(spec, files), options))
  .then(
    (report) => parentPort!.postMessage({ ok: true, report }),
    (e: unknown) => {
      const err = e as { code?: unknown; message?: unknown; hint?: unknown };
      parentPort!.postMessage({
        ok: false,
        code: typeof err?.code === 'string' ? err.code : 'CHECK_FAILED',
        message: typeof err?.message === 'string' ? err.message : String(e),
        hint: typeof err?.hint === 'string' ? err.hint : undefined,
      });
    },
  );
