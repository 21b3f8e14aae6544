import { type EnvHandle, type EnvSource, EnvStateError } from '@palestra/envs';

/**
 * Environment handles shared by several rollouts of one source, one after the other (the
 * learnability analysis plays one rollout per agent). A rollout opens handles through `open` and
 * closes them when it ends; here closing gives the handle back, and the next rollout gets it
 * instead of a new one. For an environment with code a handle is a worker thread with its own
 * QuickJS (about 0.9 s to start on a busy machine), so the analysis opens as many handles as one
 * rollout needs, not that many per agent.
 *
 * Isolation is the same as with fresh handles: every `reset` rewinds the sandbox to its memory
 * image as the modules loaded, and a handle given back is recovered before it is lent again
 * (`recover`: a stopped worker is restarted, a sandbox that cannot be rewound is rebuilt), as
 * `rollout` does with a handle after a failed step.
 *
 * @example
 * const handles = new SharedHandles((s) => openEnv(s));
 * try { for (const a of agents) await rollout(source, { ...options, openEnv: handles.open }); }
 * finally { handles.close(); }
 */
export class SharedHandles {
  private readonly idle: EnvHandle[] = [];
  private created = 0;
  private closed = false;

  constructor(private readonly openNew: (source: EnvSource) => Promise<EnvHandle>) {}

  /** A handle for `source`: one given back earlier (recovered), else a new one. Pass it as `openEnv`. */
  readonly open = async (source: EnvSource): Promise<EnvHandle> => {
    if (this.closed) throw new Error('the shared environment handles are closed');
    let env = this.idle.pop();
    if (env) {
      try {
        await env.recover();
      } catch {
        env.close();
        env = undefined;
      }
    }
    if (!env) {
      env = await this.openNew(source);
      this.created++;
    }
    return this.lend(env);
  };

  /**
   * The handle as a rollout sees it: the same calls, and `close` gives it back (once). After that
   * it answers as a closed environment does, so it cannot reach the handle lent to someone else.
   */
  private lend(env: EnvHandle): EnvHandle {
    let lent = true;
    const use = (): EnvHandle => {
      if (!lent) throw new EnvStateError('ENV_CLOSED', 'the environment was closed');
      return env;
    };
    return {
      spec: env.spec,
      reset: (options) => use().reset(options),
      step: (action) => use().step(action),
      snapshot: () => use().snapshot(),
      restore: (snapshot) => use().restore(snapshot),
      recover: async () => use().recover(),
      close: () => {
        if (!lent) return;
        lent = false;
        if (this.closed) env.close();
        else this.idle.push(env);
      },
    };
  }

  /** Handles opened so far (tests check reuse with it). */
  get opened(): number {
    return this.created;
  }

  /** Closes the handles given back; one still lent is closed when it comes back. */
  close(): void {
    this.closed = true;
    for (const env of this.idle.splice(0)) env.close();
  }
}
