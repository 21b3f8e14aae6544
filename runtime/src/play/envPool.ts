import { type EnvHandle, type EnvSource, openEnv } from '@palestra/envs';

/**
 * Environment handles for concurrent episodes: each episode in flight holds its own handle, and a
 * released handle is reused by the next episode (`reset` starts it afresh). Handles open lazily,
 * at most `size` of them; environments with code get a worker each (`openEnv`).
 *
 * @example
 * const pool = new EnvPool(source, 8);
 * const env = await pool.acquire(); try { env.reset({ seed }) } finally { pool.release(env) }
 */
export class EnvPool {
  private readonly idle: EnvHandle[] = [];
  private readonly waiting: { resolve: (env: EnvHandle) => void; reject: (e: unknown) => void }[] = [];
  private opened = 0;
  private closed = false;

  constructor(
    private readonly source: EnvSource,
    readonly size: number,
    private readonly open: (source: EnvSource) => Promise<EnvHandle> = (s) => openEnv(s),
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be ≥ 1, got ${size}`);
  }

  async acquire(): Promise<EnvHandle> {
    if (this.closed) throw new Error('the environment pool is closed');
    const free = this.idle.pop();
    if (free) return free;
    if (this.opened < this.size) {
      this.opened++;
      try {
        return await this.open(this.source);
      } catch (e) {
        this.opened--;
        throw e;
      }
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Gives a handle back for reuse. */
  release(env: EnvHandle): void {
    if (this.closed) {
      env.close();
      return;
    }
    const next = this.waiting.shift();
    if (next) next.resolve(env);
    else this.idle.push(env);
  }

  /** Closes a handle that may be broken; the next `acquire` opens a fresh one. */
  discard(env: EnvHandle): void {
    try {
      env.close();
    } catch {
      // already broken
    }
    this.opened--;
    const next = this.waiting.shift();
    if (next) {
      this.opened++;
      this.open(this.source).then(next.resolve, (e) => {
        this.opened--;
        next.reject(e);
      });
    }
  }

  /** How many handles were opened (tests check reuse with it). */
  get handles(): number {
    return this.opened;
  }

  close(): void {
    this.closed = true;
    for (const env of this.idle.splice(0)) env.close();
  }
}
