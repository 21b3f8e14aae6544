import { IsolatedEnv } from '../sandbox/isolated.ts';
import { makeEnv } from './env.ts';
import type { EnvHandle } from './handle.ts';
import { type EnvSource, usesModules } from './source.ts';

export type { EnvHandle } from './handle.ts';

export interface OpenEnvOptions {
  /**
   * Run the environment in a worker thread that can be stopped if its code hangs. Default: yes
   * for environments with code modules (their code is untrusted), no for expression-only ones
   * (CEL cannot loop, and in-process steps are cheaper).
   */
  isolate?: boolean;
}

/**
 * Opens an environment the safe way for its kind (see `OpenEnvOptions.isolate`).
 *
 * @example
 * const env = await openEnv(loadCatalog('refund-desk')); // code modules: isolated in a worker
 */
export async function openEnv(source: EnvSource, options: OpenEnvOptions = {}): Promise<EnvHandle> {
  const isolate = options.isolate ?? usesModules(source.spec);
  return isolate ? IsolatedEnv.start(source) : makeEnv(source);
}
