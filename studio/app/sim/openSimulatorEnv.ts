import { WorkerEnv } from '@palestra/envs/browser';
import {
  type Action,
  ActionReader,
  type AsyncEnvHandle,
  type Env,
  type EnvSource,
  envSource,
  type GymSpec,
  type InvalidAction,
  type MachineEvent,
  makeEnv,
  usesModules,
} from '@palestra/envs/core';
import type { SimulatorEnv } from './simulator.ts';

/** Where the studio serves the worker and QuickJS's WebAssembly (see studio/server/buildWorker.ts). */
const ENV_WORKER_URL = '/env-worker.js';
const QUICKJS_WASM_URL = '/quickjs.wasm';

/** Checks a tool's arguments as the kernel does; `close` frees what it holds. */
export interface ArgumentValidator {
  toEvent(action: Action): MachineEvent | InvalidAction;
  close(): void;
}

/**
 * The environment to play and what checks arguments as they are typed:
 * - an expression environment runs in the page (a core `Env`, which is its own validator);
 * - an environment with code modules runs in a Web Worker (`WorkerEnv`), so its code never runs on
 *   the page's thread: a hang is ended by terminating the worker and the page stays responsive.
 *   Arguments are then checked by an `ActionReader` of the same spec, in the page, which needs no
 *   module code.
 */
export async function openSimulatorEnv(
  spec: GymSpec,
  files: Record<string, string>,
): Promise<{
  env: SimulatorEnv;
  /** The environment itself when it runs in the page. */
  validator: ArgumentValidator | (SimulatorEnv & ArgumentValidator);
  /** Closes the environment (and stops its worker). */
  close(): void;
}> {
  const source = envSource(spec, files);
  if (!usesModules(source.spec)) {
    const env: Env = await makeEnv(source);
    return { env, validator: env, close: () => env.close() };
  }
  const env = await WorkerEnv.start(source, {
    createWorker: () => new Worker(ENV_WORKER_URL, { type: 'module', name: `palestra ${spec.name}` }),
    wasm: new URL(QUICKJS_WASM_URL, location.href).href,
  });
  const reader = new ActionReader(source.spec);
  return {
    env,
    validator: { toEvent: (action) => reader.toEvent(action), close: () => {} },
    close: () => env.close(),
  };
}

/**
 * The environment a replay re-plays an episode in, the simulator's way: in the page for an
 * expression environment, in the Web Worker (QuickJS there) for one with code modules.
 *
 * @example
 * const env = await openReplayEnv(source);
 * try { await replayEpisode(source, record, { env }); } finally { env.close(); }
 */
export async function openReplayEnv(source: EnvSource): Promise<AsyncEnvHandle> {
  if (!usesModules(source.spec)) return makeEnv(source);
  return WorkerEnv.start(source, {
    createWorker: () =>
      new Worker(ENV_WORKER_URL, { type: 'module', name: `palestra replay ${source.spec.name}` }),
    wasm: new URL(QUICKJS_WASM_URL, location.href).href,
  });
}
