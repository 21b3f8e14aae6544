import type { Env } from './env.ts';

/**
 * What runners need of an environment, in-process (`Env`) or in a worker thread (`IsolatedEnv`,
 * from `@palestra/envs/node`): the same synchronous API.
 */
export type EnvHandle = Pick<Env, 'spec' | 'reset' | 'step' | 'snapshot' | 'restore' | 'recover' | 'close'>;

/**
 * An environment whose calls may answer later: a synchronous `EnvHandle`, or a `WorkerEnv` in a
 * browser (`@palestra/envs/browser`), whose every call is a message to its Web Worker.
 */
export interface AsyncEnvHandle {
  readonly spec: Env['spec'];
  reset(options: Parameters<Env['reset']>[0]): ReturnType<Env['reset']> | Promise<ReturnType<Env['reset']>>;
  step(action: Parameters<Env['step']>[0]): ReturnType<Env['step']> | Promise<ReturnType<Env['step']>>;
  recover(): Promise<void>;
  close(): void;
}
