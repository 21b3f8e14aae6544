import { EnvStateError } from '../errors.ts';
import { type Env, makeEnv } from './env.ts';
import { Prng } from './prng.ts';
import type { EnvSource } from './source.ts';
import type { Action, Observation, ResetInfo, StepInfo } from './types.ts';

/**
 * Gymnasium's autoreset modes (gymnasium.vector.AutoresetMode):
 * - `next-step` (Gymnasium's default): the step after an episode ends resets that sub-env; its
 *   action is ignored and it returns the reset observation with reward 0.
 * - `same-step`: an ending sub-env resets in the same step; the returned observation is the new
 *   episode's first one and the last one is in `info.finalObservation`.
 * - `disabled`: no autoreset; call `resetDone()` (stepping an ended sub-env throws).
 */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

export interface VectorStepInfo extends Partial<StepInfo> {
  /** Set when this sub-env was reset during this step. */
  reset?: ResetInfo;
  finalObservation?: Observation;
  finalInfo?: StepInfo;
}

export interface VectorStepResult {
  observations: Observation[];
  rewards: Float64Array;
  terminated: boolean[];
  truncated: boolean[];
  infos: VectorStepInfo[];
}

/**
 * N environments of one source stepped together (one process, one thread: spreading them over
 * workers belongs to the rollout engine). Sub-env i of `reset({ seed })` gets seed `seed + i`;
 * later episodes get seeds drawn from a generator seeded with `seed`, so the whole run is
 * reproducible. Each sub-env has its own sandbox, rewound at each of its episodes: sub-envs step in
 * turn, so in a shared one the module state of one sub-env's episode would reach the others'
 * (about 2 MB and a few milliseconds to build per sandbox).
 */
export class VectorEnv {
  private readonly needsReset: boolean[];
  private readonly ended: boolean[];
  private seeder = new Prng(0);
  private started = false;

  private constructor(
    readonly envs: Env[],
    readonly mode: AutoresetMode,
  ) {
    this.needsReset = envs.map(() => false);
    this.ended = envs.map(() => false);
  }

  static async create(source: EnvSource, n: number, mode: AutoresetMode = 'next-step'): Promise<VectorEnv> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`a vector env needs n ≥ 1, got ${n}`);
    const envs: Env[] = [];
    try {
      for (let i = 0; i < n; i++) envs.push(await makeEnv(source));
    } catch (e) {
      for (const env of envs) env.close();
      throw e;
    }
    return new VectorEnv(envs, mode);
  }

  get size(): number {
    return this.envs.length;
  }

  reset(options: { seed: number }): { observations: Observation[]; infos: ResetInfo[] } {
    this.seeder = new Prng(options.seed);
    this.started = true;
    const results = this.envs.map((env, i) => env.reset({ seed: options.seed + i }));
    this.needsReset.fill(false);
    this.ended.fill(false);
    return { observations: results.map((r) => r.observation), infos: results.map((r) => r.info) };
  }

  private nextSeed(): number {
    return this.seeder.nextU32();
  }

  step(actions: readonly Action[]): VectorStepResult {
    if (!this.started)
      throw new EnvStateError('STEP_BEFORE_RESET', 'step() was called before reset()', {
        hint: 'call reset({ seed }) first',
      });
    if (actions.length !== this.envs.length)
      throw new RangeError(
        `step() needs one action per sub-env: got ${actions.length}, have ${this.envs.length}`,
      );
    const n = this.envs.length;
    const observations: Observation[] = new Array(n);
    const rewards = new Float64Array(n);
    const terminated: boolean[] = new Array(n);
    const truncated: boolean[] = new Array(n);
    const infos: VectorStepInfo[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i]!;
      if (this.needsReset[i]) {
        const r = env.reset({ seed: this.nextSeed() });
        this.needsReset[i] = false;
        observations[i] = r.observation;
        terminated[i] = false;
        truncated[i] = false;
        infos[i] = { reset: r.info };
        continue;
      }
      if (this.ended[i])
        throw new EnvStateError('STEP_AFTER_END', `sub-env ${i} has ended and autoreset is disabled`, {
          hint: 'call resetDone()',
        });
      const s = env.step(actions[i]!);
      rewards[i] = s.reward;
      terminated[i] = s.terminated;
      truncated[i] = s.truncated;
      observations[i] = s.observation;
      infos[i] = s.info;
      if (s.terminated || s.truncated) {
        if (this.mode === 'next-step') this.needsReset[i] = true;
        else if (this.mode === 'disabled') this.ended[i] = true;
        else {
          const r = env.reset({ seed: this.nextSeed() });
          observations[i] = r.observation;
          infos[i] = { ...s.info, finalObservation: s.observation, finalInfo: s.info, reset: r.info };
        }
      }
    }
    return { observations, rewards, terminated, truncated, infos };
  }

  /** With autoreset disabled: resets the ended sub-envs (or those in `mask`). */
  resetDone(mask?: readonly boolean[]): (ResetInfo | undefined)[] {
    return this.envs.map((env, i) => {
      if (!(mask ? mask[i] : this.ended[i])) return undefined;
      this.ended[i] = false;
      return env.reset({ seed: this.nextSeed() }).info;
    });
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}
