import { Worker } from 'node:worker_threads';
import { EnvStateError, SandboxError } from '../errors.ts';
import { checkActionSize } from '../kernel/actionSize.ts';
import type { EnvSource } from '../kernel/source.ts';
import type {
  Action,
  EnvSnapshot,
  Observation,
  ResetInfo,
  ResetOptions,
  ResetResult,
  StepResult,
} from '../kernel/types.ts';
import type { AutoresetMode, VectorStepResult } from '../kernel/vector.ts';
import { Channel, REQUEST } from './channel.ts';
import { reviveError, type WireError } from './errorWire.ts';
import { GRACE_MS, HANG_BOUND_MS } from './hangBound.ts';

/**
 * Hard isolation for environments with code: the whole environment (statechart, expressions and
 * its QuickJS sandbox) runs in a worker thread, and a whole step — every guard, action, reward
 * and observation — is one request to it. A hang is ended by terminating the worker within the
 * request's deadline + `HANG_BOUND_MS` (see hangBound.ts; for a vector step, N × the step
 * deadline + 1 s). The caller survives either way and gets a `SandboxError` with code DEADLINE;
 * `recover()` starts a fresh worker for the next episode. (A browser's twin is `WorkerEnv`.)
 */
export { HANG_BOUND_MS };

const WORKER_URL = new URL('./worker.js', import.meta.url);

class WorkerLink {
  private worker: Worker | undefined;
  private channel: Channel | undefined;
  private dead = true;

  constructor(
    private readonly source: EnvSource,
    private readonly vector: { n: number; mode: AutoresetMode } | undefined,
    private readonly channelBytes: number,
  ) {}

  async start(): Promise<void> {
    await this.stop();
    const channel = Channel.create(this.channelBytes);
    const worker = new Worker(WORKER_URL, {
      workerData: { source: this.source, buffer: channel.buffer, vector: this.vector },
      // The worker's own JavaScript heap is bounded too (QuickJS's heap is bounded inside it).
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    worker.unref();
    const ready = await new Promise<{ ready: boolean; error?: never }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw reviveError(ready.error!);
    }
    this.worker = worker;
    this.channel = channel;
    this.dead = false;
  }

  call<T>(op: string, args: unknown[], timeoutMs: number): T {
    if (this.dead || !this.channel)
      throw new EnvStateError(
        'SANDBOX_REBUILD',
        'the isolated environment was stopped after a hang or crash',
        {
          hint: 'call `await env.recover()` before reset()',
        },
      );
    const ch = this.channel;
    if (!ch.write({ op, args }, REQUEST))
      throw new SandboxError(
        'INPUT_TOO_LARGE',
        `the ${op} request does not fit the channel (${ch.capacity} bytes)`,
      );
    const r = ch.waitWhile(REQUEST, timeoutMs);
    if (r === 'timed-out') {
      this.kill();
      throw new SandboxError(
        'DEADLINE',
        `the environment did not answer ${op} within ${timeoutMs} ms; its worker was stopped`,
        {
          hint: 'environment code hung where it could not be interrupted; call `await env.recover()` before the next episode',
        },
      );
    }
    const reply = ch.read() as { ok?: T; error?: WireError };
    ch.flags[0] = 0;
    if (reply.error) {
      const err = reviveError(reply.error);
      throw err;
    }
    return reply.ok as T;
  }

  private kill(): void {
    this.dead = true;
    void this.worker?.terminate();
    this.worker = undefined;
    this.channel = undefined;
  }

  async stop(): Promise<void> {
    if (this.worker && !this.dead) {
      try {
        this.call('close', [], 2000);
      } catch {
        // already gone
      }
      await this.worker.terminate();
    }
    this.worker = undefined;
    this.dead = true;
  }

  get alive(): boolean {
    return !this.dead;
  }
}

/** An environment in a worker thread: the same synchronous API as `Env`. Create it with `makeIsolatedEnv`. */
export class IsolatedEnv {
  private constructor(
    readonly spec: EnvSource['spec'],
    private readonly link: WorkerLink,
  ) {}

  /** @internal */
  static async start(source: EnvSource): Promise<IsolatedEnv> {
    const limit = source.spec.limits.maxObservationBytes;
    const link = new WorkerLink(source, undefined, 4 * limit + (1 << 20));
    await link.start();
    return new IsolatedEnv(source.spec, link);
  }

  private get timeout(): number {
    return this.spec.limits.stepDeadlineMs + GRACE_MS;
  }

  reset(options: ResetOptions): ResetResult {
    return this.link.call('reset', [options], this.timeout);
  }

  step(action: Action): StepResult {
    // Here too, before the channel: an oversized action is the agent's fault (ACTION_TOO_LARGE), and
    // it must not become an environment fault by overflowing the channel (its message is the
    // worker's, so a record replays the same in-process and isolated).
    checkActionSize(this.spec, action);
    return this.link.call('step', [action], this.timeout);
  }

  snapshot(): EnvSnapshot {
    return this.link.call('snapshot', [], this.timeout);
  }

  restore(snapshot: EnvSnapshot): void {
    this.link.call('restore', [snapshot], this.timeout);
  }

  contextProblems(): string | undefined {
    return this.link.call<string | null>('contextProblems', [], this.timeout) ?? undefined;
  }

  get steps(): number {
    return this.link.call('steps', [], this.timeout);
  }

  /** After a failure: a fresh worker if the old one was stopped, or a fresh sandbox inside it. */
  async recover(): Promise<void> {
    if (!this.link.alive) await this.link.start();
    else this.link.call('recover', [], 10_000);
  }

  close(): void {
    void this.link.stop();
  }
}

/** A vector of environments in one worker thread: one request per vector step, whatever N is. */
export class IsolatedVectorEnv {
  private constructor(
    readonly spec: EnvSource['spec'],
    readonly size: number,
    private readonly link: WorkerLink,
  ) {}

  static async start(
    source: EnvSource,
    n: number,
    mode: AutoresetMode = 'next-step',
  ): Promise<IsolatedVectorEnv> {
    const limit = source.spec.limits.maxObservationBytes;
    const link = new WorkerLink(source, { n, mode }, n * (4 * limit + 65_536) + (1 << 20));
    await link.start();
    return new IsolatedVectorEnv(source.spec, n, link);
  }

  private get timeout(): number {
    // Sub-envs step one after the other inside the worker: each gets its deadline.
    return this.size * this.spec.limits.stepDeadlineMs + GRACE_MS;
  }

  reset(options: { seed: number }): { observations: Observation[]; infos: ResetInfo[] } {
    return this.link.call('reset', [options], this.timeout);
  }

  step(actions: readonly Action[]): VectorStepResult {
    for (const action of actions) checkActionSize(this.spec, action);
    const r = this.link.call<Omit<VectorStepResult, 'rewards'> & { rewards: number[] }>(
      'step',
      [actions],
      this.timeout,
    );
    return { ...r, rewards: Float64Array.from(r.rewards) };
  }

  resetDone(mask?: readonly boolean[]): (ResetInfo | undefined)[] {
    return this.link.call<(ResetInfo | null)[]>('resetDone', [mask], this.timeout).map((x) => x ?? undefined);
  }

  async recover(): Promise<void> {
    if (!this.link.alive) await this.link.start();
  }

  close(): void {
    void this.link.stop();
  }
}

/**
 * An environment whose code runs in a worker thread the host can stop (see `IsolatedEnv`).
 *
 * @example
 * const env = await makeIsolatedEnv(loadCatalog('refund-desk'));
 * env.reset({ seed: 1 });
 */
export function makeIsolatedEnv(source: EnvSource): Promise<IsolatedEnv> {
  return IsolatedEnv.start(source);
}
