// The studio's checker thread: checks one environment (the quick check) and posts its report, or
// its error's code, message and hint. Run by `checkInWorker` (checkStatus.ts), which ends the
// thread if it outlives its budget.
import { parentPort, workerData } from 'node:worker_threads';
import { envSource } from '@palestra/envs/core';
import { checkEnv } from '@palestra/envs/node';

const { spec, files } = workerData as { spec: unknown; files: Record<string, string> };
checkEnv(envSource(spec, files), { crossHost: false }).then(
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
