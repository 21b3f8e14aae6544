import { EnvStateError, SandboxError } from '../errors.ts';
import { checkActionSize } from '../kernel/actionSize.ts';
import type { EnvSource } from '../kernel/source.ts';
import type { Action, EnvSnapshot, ResetOptions, ResetResult, StepResult } from '../kernel/types.ts';
import type { QuickJSWasm } from '../sandbox/engine.ts';
import { reviveError } from '../sandbox/errorWire.ts';
import { GRACE_MS, HANG_BOUND_MS } from '../sandbox/hangBound.ts';
import type { FromWorker, RequestMessage, ToWorker } from './protocol.ts';

/** What `WorkerEnv` needs of a Web Worker (the DOM's `Worker` has it). */
export interface WorkerLike {
  postMessage(message: ToWorker): void;
  addEventListener(type: 'message', listener: (event: { data: FromWorker }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

export interface WorkerEnvOptions {
  /**
   * Starts the Web Worker that runs the environment: a module worker whose script calls
   * `serveEnvWorker()`, e.g. `() => new Worker('/env-worker.js', { type: 'module' })`. Called
   * again by `recover()` after a hang stopped the last one.
   */
  createWorker: () => WorkerLike;
  /** Where the worker loads QuickJS's WebAssembly from (see `setQuickJSWasm`): a URL, or the bytes. */
  wasm?: QuickJSWasm;
  /** How long making the environment may take in the worker (loading QuickJS and the modules). Default 30 s. */
  startTimeoutMs?: number;
}

/**
 * An environment with code in a browser: the whole environment (statechart, expressions and its
 * QuickJS sandbox) runs in one Web Worker, and each call is one message to it. The page never
 * blocks (a browser's main thread cannot wait synchronously), so every call returns a promise.
 *
 * A hang is ended as in Node's `IsolatedEnv`: QuickJS interrupts runaway JavaScript at the step
 * deadline, and a hang it cannot interrupt (inside a native builtin) is ended by `terminate()`
 * once the request has waited its deadline + `GRACE_MS`, so it rejects within deadline +
 * `HANG_BOUND_MS` (1 s) with a `SandboxError` DEADLINE; `recover()` then starts a fresh worker.
 *
 * @example
 * const env = await WorkerEnv.start(envSource(spec, files), {
 *   createWorker: () => new Worker('/env-worker.js', { type: 'module' }),
 *   wasm: '/quickjs.wasm',
 * });
 * await env.reset({ seed: 1 });
 * const r = await env.step({ tool: 'move', arguments: { direction: 'down' } });
 */
export class WorkerEnv {
  readonly spec: EnvSource['spec'];
  private worker: WorkerLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: ReturnType<typeof setTimeout> }
  >();
  /** Calls run one after the other, in the order they were made. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly source: EnvSource,
    private readonly options: WorkerEnvOptions,
  ) {
    this.spec = source.spec;
  }

  /** Starts the worker and makes the environment in it. */
  static async start(source: EnvSource, options: WorkerEnvOptions): Promise<WorkerEnv> {
    const env = new WorkerEnv(source, options);
    await env.startWorker();
    return env;
  }

  private async startWorker(): Promise<void> {
    const worker = this.options.createWorker();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.terminate();
        reject(
          new SandboxError(
            'DEADLINE',
            `the environment's worker was not ready within ${this.startTimeoutMs} ms; it was stopped`,
            {
              hint: "check the worker script (it must call serveEnvWorker()) and the QuickJS WebAssembly's URL",
            },
          ),
        );
      }, this.startTimeoutMs);
      worker.addEventListener('message', ({ data }) => {
        if (data.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (data.kind === 'failed') {
          clearTimeout(timer);
          worker.terminate();
          reject(reviveError(data.error));
        } else this.settle(data);
      });
      worker.addEventListener('error', (event) => {
        clearTimeout(timer);
        const error = new SandboxError(
          'WORKER_FAILED',
          `the environment's worker failed: ${event.message ?? 'it could not be loaded or threw'}`,
          { hint: 'check that the worker script loads (its URL, and that it is a module worker)' },
        );
        reject(error);
        this.kill(error);
      });
    });
    const wasm = this.options.wasm instanceof URL ? this.options.wasm.href : this.options.wasm;
    worker.postMessage({ kind: 'init', source: this.source, ...(wasm === undefined ? {} : { wasm }) });
    this.worker = worker;
    await ready;
  }

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 30_000;
  }

  private settle(reply: Extract<FromWorker, { kind: 'reply' }>): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if ('error' in reply) p.reject(reviveError(reply.error));
    else p.resolve(reply.ok);
  }

  /** Stops the worker now and fails every request waiting on it with `error`. */
  private kill(error: unknown): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  private call<T>(op: RequestMessage['op'], args: unknown[], timeoutMs: number): Promise<T> {
    const run = (): Promise<T> => {
      const worker = this.worker;
      if (!worker)
        return Promise.reject(
          new EnvStateError('SANDBOX_REBUILD', 'the environment was stopped after a hang or crash', {
            hint: 'call `await env.recover()` before reset()',
          }),
        );
      const id = this.nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.kill(
            new SandboxError(
              'DEADLINE',
              `the environment did not answer ${op} within ${timeoutMs} ms; its worker was stopped`,
              {
                hint: 'environment code hung where it could not be interrupted; call `await env.recover()` before the next episode',
              },
            ),
          );
        }, timeoutMs);
        this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        worker.postMessage({ kind: 'request', id, op, args });
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Deadline + grace: the request fails within deadline + HANG_BOUND_MS. */
  private get timeout(): number {
    return this.spec.limits.stepDeadlineMs + GRACE_MS;
  }

  reset(options: ResetOptions): Promise<ResetResult> {
    return this.call('reset', [options], this.timeout);
  }

  step(action: Action): Promise<StepResult> {
    // Here too, before the message: an oversized action is the agent's fault, as in-process.
    try {
      checkActionSize(this.spec, action);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.call('step', [action], this.timeout);
  }

  snapshot(): Promise<EnvSnapshot> {
    return this.call('snapshot', [], this.timeout);
  }

  restore(snapshot: EnvSnapshot): Promise<void> {
    return this.call('restore', [snapshot], this.timeout);
  }

  /** After a failure: a fresh worker if the last one was stopped, else a fresh sandbox inside it. */
  async recover(): Promise<void> {
    if (!this.worker) await this.startWorker();
    else await this.call('recover', [], 10_000);
  }

  /** Closes the environment and stops its worker. */
  close(): void {
    const worker = this.worker;
    if (!worker) return;
    void this.call('close', [], 2000)
      .catch(() => undefined)
      .finally(() => {
        worker.terminate();
        if (this.worker === worker) this.worker = undefined;
      });
  }

  /** Whether a worker is running (false after a hang stopped it, until `recover()`). */
  get alive(): boolean {
    return this.worker !== undefined;
  }
}

export { HANG_BOUND_MS };
