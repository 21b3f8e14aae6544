import { type Env, envSource, type GymSpec, makeEnv, usesModules } from '@palestra/envs/core';
import type { SimulatorEnv } from './simulator.ts';

/**
 * The environment to play and the `Env` that checks arguments: an expression environment, in the
 * page. (An environment with code modules needs a Web Worker: the page says so instead.)
 */
export async function openSimulatorEnv(
  spec: GymSpec,
  files: Record<string, string>,
): Promise<{ env: SimulatorEnv; validator: Env }> {
  const source = envSource(spec, files);
  if (usesModules(source.spec))
    throw new Error('this environment has code modules: it runs in a Web Worker, which comes next');
  const env = await makeEnv(source);
  return { env, validator: env };
}
