import { type Env, makeEnv } from '../kernel/env.ts';
import { setQuickJSWasm } from '../sandbox/engine.ts';
import { serializeError } from '../sandbox/errorWire.ts';
import type { FromWorker, RequestMessage, ToWorker } from './protocol.ts';

/** What `serveEnvWorker` needs of the worker's global scope (a `DedicatedWorkerGlobalScope`). */
export interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
  close(): void;
}

/**
 * The Web Worker side of a `WorkerEnv`: builds the environment from the page's source (its whole
 * kernel, expressions and QuickJS sandbox run here) and answers the page's requests in order.
 * Call it once, at the top of the worker's module script; the page stops this worker with
 * `terminate()` if a request outlives its deadline (see `WorkerEnv`).
 *
 * @example
 * // env-worker.ts, bundled as its own entry (esbuild page.ts env-worker.ts --bundle --format=esm)
 * import { serveEnvWorker } from '@palestra/envs/browser';
 * serveEnvWorker();
 */
export function serveEnvWorker(scope: WorkerScope = globalThis as unknown as WorkerScope): void {
  let env: Env | undefined;
  // One request at a time, in the order they came: each waits for the one before.
  let queue: Promise<void> = Promise.resolve();

  const answer = async (req: RequestMessage): Promise<void> => {
    try {
      const value = await handle(req);
      scope.postMessage({ kind: 'reply', id: req.id, ok: value === undefined ? null : value });
    } catch (e) {
      scope.postMessage({ kind: 'reply', id: req.id, error: serializeError(e) });
    }
    if (req.op === 'close') scope.close();
  };

  const handle = async (req: RequestMessage): Promise<unknown> => {
    if (!env) throw new Error(`${req.op} before the environment was made`);
    const x = req.args[0] as never;
    switch (req.op) {
      case 'reset':
        return env.reset(x);
      case 'step':
        return env.step(x);
      case 'snapshot':
        return env.snapshot();
      case 'restore':
        return env.restore(x);
      case 'recover':
        return env.recover();
      case 'close':
        return env.close();
    }
  };

  scope.addEventListener('message', ({ data }) => {
    if (data.kind === 'init') {
      queue = queue.then(async () => {
        try {
          if (data.wasm !== undefined) setQuickJSWasm(data.wasm);
          env = await makeEnv(data.source);
          scope.postMessage({ kind: 'ready' });
        } catch (e) {
          scope.postMessage({ kind: 'failed', error: serializeError(e) });
        }
      });
    } else queue = queue.then(() => answer(data));
  });
}
