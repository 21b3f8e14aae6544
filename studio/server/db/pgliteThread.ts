/**
 * PGlite in a worker thread, with the part of PGlite's interface drizzle uses (`query`, `exec`,
 * `transaction`, `close`), so that the studio's database work runs beside its event loop rather
 * than on it. PGlite is PostgreSQL compiled to WebAssembly and runs synchronously inside each call:
 * on the server's own thread, every commit of a collaborative edit (0.3–0.4 ms) and every
 * compaction (tens of ms) held up the next edit's broadcast to everyone else
 * (studio/bench/collab.bench.ts). PGlite's own `PGliteWorker` is for browsers (Web Workers,
 * `navigator.locks`, BroadcastChannel leader election), which Node 20 does not have, hence this.
 *
 * Each call is one message to the thread and one answer; a transaction is opened in the thread
 * and held there until its callback here settles, so PGlite's own lock orders it against every
 * other query exactly as in one thread.
 */
import { Worker } from 'node:worker_threads';

/** PGlite's query options, as drizzle passes them. */
interface QueryOptions {
  rowMode?: 'array' | 'object';
  /**
   * Type OID → parser. Functions cannot cross threads: the thread keeps these types' text as it
   * is, which is all drizzle's parsers do (timestamps, intervals, dates and their arrays).
   */
  parsers?: Record<number, unknown>;
}

/** What a query answers: PGlite's `Results`. */
export interface ThreadResults {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/** A client of the thread's database, or of one transaction in it. */
export interface ThreadQueries {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<ThreadResults>;
  exec(sql: string): Promise<ThreadResults[]>;
}

type Message = { op: string; tx?: number } & Record<string, unknown>;

/**
 * @example
 * const client = await PgliteThread.open('.palestra/studio/db');
 * const db = drizzle({ client: client as unknown as PGlite, schema });
 * await client.close();
 */
export class PgliteThread implements ThreadQueries {
  private readonly waiting = new Map<
    number,
    { done: (value: unknown) => void; fail: (error: Error) => void }
  >();
  private lastId = 0;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.unref(); // held only while a call is in flight (`call`): an idle database keeps no process alive
    worker.on(
      'message',
      (m: { id: number; ok: boolean; result?: unknown; error?: Record<string, unknown> }) => {
        const waiter = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) worker.unref();
        if (!waiter) return;
        if (m.ok) waiter.done(m.result);
        else waiter.fail(Object.assign(new Error(String(m.error?.message)), m.error));
      },
    );
    const stop = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.waiting.values()) waiter.fail(this.failure);
      this.waiting.clear();
    };
    worker.on('error', stop);
    worker.on('exit', (code) => stop(new Error(`the database thread exited (code ${code})`)));
  }

  /** Starts the thread and opens (creating if needed) the PGlite folder `dir` in it. */
  static async open(dir: string): Promise<PgliteThread> {
    const thread = new PgliteThread(
      // No Node flags of the process's own: the thread is plain JavaScript and needs no loader,
      // and a worker refuses some flags a process may run with (`--input-type`, `--expose-gc`).
      new Worker(new URL('./pgliteWorker.js', import.meta.url), { execArgv: [] }),
    );
    try {
      await thread.call({ op: 'open', dir });
    } catch (error) {
      await thread.worker.terminate();
      throw error;
    }
    return thread;
  }

  private call(message: Message): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((done, fail) => {
      this.waiting.set(id, { done, fail });
      this.worker.postMessage({ ...message, id });
    });
  }

  private queriesIn(tx: number | undefined): ThreadQueries {
    return {
      query: (sql, params, options) =>
        this.call({
          op: 'query',
          sql,
          params: params ?? [],
          tx,
          ...(options?.rowMode !== undefined && { rowMode: options.rowMode }),
          ...(options?.parsers !== undefined && { rawOids: Object.keys(options.parsers).map(Number) }),
        }) as Promise<ThreadResults>,
      exec: (sql) => this.call({ op: 'exec', sql, tx }) as Promise<ThreadResults[]>,
    };
  }

  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<ThreadResults> {
    return this.queriesIn(undefined).query(sql, params, options);
  }

  exec(sql: string): Promise<ThreadResults[]> {
    return this.queriesIn(undefined).exec(sql);
  }

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (tx: ThreadQueries) => Promise<T>): Promise<T> {
    const tx = (await this.call({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await fn(this.queriesIn(tx));
    } catch (error) {
      await this.call({ op: 'end', tx, commit: false });
      throw error;
    }
    await this.call({ op: 'end', tx, commit: true });
    return result;
  }

  /** Closes the database (PGlite flushes its folder) and ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) await this.call({ op: 'close' });
    this.failure ??= new Error('the database is closed');
    await this.worker.terminate();
  }
}
