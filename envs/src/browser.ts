/**
 * `@palestra/envs/browser`: an environment with code in a browser, run whole inside one Web
 * Worker. The page makes a `WorkerEnv`; the worker's script calls `serveEnvWorker()`. Both build
 * on `@palestra/envs/core` (an expression-only environment needs no worker: `makeEnv` from the
 * core runs it in the page).
 */
export type { FromWorker, InitMessage, RequestMessage, ToWorker } from './browser/protocol.ts';
export { serveEnvWorker, type WorkerScope } from './browser/serveEnvWorker.ts';
export { HANG_BOUND_MS, WorkerEnv, type WorkerEnvOptions, type WorkerLike } from './browser/workerEnv.ts';
