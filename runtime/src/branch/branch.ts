import {
  type Action,
  type EnvHandle,
  type EnvSnapshot,
  type EnvSource,
  type Episode,
  type Fault,
  faultOf,
  type Observation,
  openEnv,
  PalestraError,
  replay,
} from '@palestra/envs';
import type { Agent } from '../agents/agent.ts';
import { callAgent } from '../rollout/callAgent.ts';
import {
  type FailureCounts,
  failureOfError,
  failureOfRecord,
  type OutcomeFailure,
} from '../rollout/failure.ts';
import { Limiter } from '../rollout/limiter.ts';
import { EnvPool } from '../rollout/pool.ts';

/** The state after step j of a recorded episode (j = 0: after reset), exactly as it was. */
export interface BranchPoint {
  step: number;
  snapshot: EnvSnapshot;
  observation: Observation;
  /** Return of steps 1..j, micro-units. */
  prefixMicros: number;
  /** The episode had already ended at j (no sample needed: its outcome is known). */
  ended: boolean;
}

/**
 * Re-executes steps 1..upTo of a recorded episode in a fresh environment, checks each one bit for
 * bit against the record (the hash chain, field by field on a mismatch), and snapshots the state
 * at every step in `at`. Throws `ReplayDivergence` at the first difference.
 *
 * @example
 * const [p] = await branchPoints(source, episode, [3]); env.restore(p.snapshot) // the state after step 3
 */
export async function branchPoints(
  source: EnvSource,
  episode: Episode,
  at: number[],
  open: (s: EnvSource) => Promise<EnvHandle> = (s) => openEnv(s),
): Promise<BranchPoint[]> {
  const wanted = new Set(at);
  const upTo = Math.max(0, ...at);
  const n = episode.steps.length;
  const bad = at.find((k) => !Number.isInteger(k) || k < 0 || k > n);
  if (bad !== undefined)
    // The code `palestra branch --step` and `replay --step` give for the same mistake.
    throw new PalestraError(
      'STEP_OUT_OF_RANGE',
      `step ${bad} is out of range: the episode has ${n} step${n === 1 ? '' : 's'}, so a branch point goes from 0 to ${n}`,
      {
        details: { step: bad, min: 0, max: n },
        hint: `branch from step 0 (the state after reset) up to step ${n}`,
      },
    );
  const env = await open(source);
  try {
    // The kernel's replay verifies every step (field by field and through the hash chain) and
    // hands us the env after each one, where we snapshot the steps asked for.
    const points: BranchPoint[] = [];
    let prefix = 0;
    let observation = episode.header.observation;
    let ended = false;
    await replay(source, episode, {
      upTo,
      env,
      onStep: (k, e, step) => {
        if (step) {
          prefix += step.reward;
          observation = step.observation;
          ended = step.terminated || step.truncated;
        }
        if (wanted.has(k))
          points.push({ step: k, snapshot: e.snapshot(), observation, prefixMicros: prefix, ended });
      },
    });
    return points;
  } finally {
    env.close();
  }
}

export interface BranchOptions {
  /** A fresh agent per sample. */
  agent: (sample: number) => Agent;
  /** Continuations per branch point. */
  samples: number;
  /** Branch points: states after step j (0 = after reset). */
  steps: number[];
  /** Sample s from point j gets agent seed `seed + j * samples + s`. Default 0. */
  seed?: number;
  /** Agent turns in flight at once. Default 4. */
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  onSample?: (done: number, total: number) => void;
  openEnv?: (source: EnvSource) => Promise<EnvHandle>;
}

export interface StepValue {
  /** The state after this many steps of the recorded episode. */
  step: number;
  /** The recorded action that led here (none for step 0). */
  action: Action | null;
  samples: number;
  successes: number;
  /** Estimated probability that the episode ends in success from here on (successes / samples). */
  value: number;
  /** Mean return of the whole episode (recorded prefix + sampled continuation), in reward units. */
  meanReturn: number;
  /** Samples that failed (the agent gave no action, or a step stopped on an error): not in `value` or `meanReturn`. */
  failed: number;
  /** `failed`, split by fault. */
  faults: { agent: number; environment: number };
}

/** A continuation that failed: where it started, which action broke it (none when the agent gave none), and the error. */
export interface SampleFailure {
  step: number;
  sample: number;
  action: Action | null;
  code: string;
  message: string;
  fault: Fault;
}

export interface StepAdvantage {
  step: number;
  action: Action;
  /** value(step) − value(step − 1): how much the recorded action changed the chance of success. */
  advantage: number;
  valueBefore: number;
  valueAfter: number;
}

export interface BranchReport {
  v: 1;
  env: string;
  seed: number;
  taskIndex: number;
  taskId: string;
  agent: string;
  /** The recorded episode's own outcome; `failure` when it failed (then it is no success, whatever its return). */
  original: { length: number; returnMicros: number; success: boolean; failure?: OutcomeFailure };
  values: StepValue[];
  /** For every pair of consecutive branch points: the training signal of the step between them. */
  advantages: StepAdvantage[];
  /** Failed continuations over all branch points, by fault (each listed in `failures`). */
  failed: FailureCounts;
  failures: SampleFailure[];
}

const success = (terminated: boolean, returnMicros: number) => terminated && returnMicros > 0;

/**
 * Estimates, for states along a recorded episode, the probability that an agent still succeeds
 * from there: each state is restored exactly (`branchPoints`) and the agent plays `samples`
 * continuations to the end. Consecutive estimates give step-level advantages for training.
 * The agent sees the observation at the branch point, not the conversation that led to it.
 *
 * @example
 * const r = await branch(source, episode, { agent: () => randomAgent(spec, 0), samples: 32, steps: [0, 1, 2, 3] });
 */
export async function branch(
  source: EnvSource,
  episode: Episode,
  options: BranchOptions,
): Promise<BranchReport> {
  const steps = [...new Set(options.steps)].sort((a, b) => a - b);
  const points = await branchPoints(source, episode, steps, options.openEnv);
  const seed = options.seed ?? 0;
  const concurrency = options.concurrency ?? 4;
  const limiter = new Limiter(concurrency);
  const pool = new EnvPool(source, concurrency, options.openEnv);
  const ep = episode;
  const originalReturn = ep.steps.reduce((a, s) => a + s.reward, 0);
  const originalFailure = failureOfRecord(ep);
  const originalSuccess = !originalFailure && success(ep.footer?.terminated ?? false, originalReturn);
  type Sample =
    | { ok: true; success: boolean; returnMicros: number }
    | { ok: false; failure: Omit<SampleFailure, 'step' | 'sample'> };
  const failures: SampleFailure[] = [];
  const results = new Map<number, Sample[]>(points.map((p) => [p.step, []]));
  const jobs: { point: BranchPoint; s: number }[] = points
    .filter((p) => !p.ended)
    .flatMap((point) => Array.from({ length: options.samples }, (_, s) => ({ point, s })));
  let done = 0;

  async function sample(point: BranchPoint, s: number, env: EnvHandle): Promise<Sample> {
    const agent = options.agent(s);
    agent.startEpisode?.(point.step * options.samples + s, seed + point.step * options.samples + s);
    env.restore(point.snapshot);
    let ret = point.prefixMicros;
    let observation = point.observation;
    let step = point.step;
    for (;;) {
      let result: Awaited<ReturnType<typeof callAgent>>;
      try {
        result = await callAgent(
          agent,
          { observation, tools: source.spec.tools, episode: ep.header.info, step, episodeIndex: s },
          {
            limiter,
            retries: options.retries ?? 3,
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
            ...(options.signal ? { signal: options.signal } : {}),
          },
        );
      } catch (e) {
        if (options.signal?.aborted) throw e;
        const f = failureOfError(e, 'agent');
        return { ok: false, failure: { action: null, code: f.code, message: f.message, fault: f.fault } };
      }
      for (const action of result.actions.length > 0 ? result.actions : [{ text: '' }]) {
        let r: ReturnType<EnvHandle['step']>;
        try {
          r = env.step(action);
        } catch (e) {
          // A step that stops on an error fails the continuation: it is counted apart, never as
          // a loss (breaking the environment is not an outcome of the task).
          if (!(e instanceof PalestraError)) throw e;
          await env.recover();
          return {
            ok: false,
            failure: { action, code: e.code, message: e.message, fault: faultOf(e.code) },
          };
        }
        step++;
        ret += r.info.rewardMicros;
        observation = r.observation;
        if (r.terminated || r.truncated)
          return { ok: true, success: success(r.terminated, ret), returnMicros: ret };
      }
    }
  }

  const queue = jobs.slice();
  async function lane(): Promise<void> {
    for (let job = queue.shift(); job && !options.signal?.aborted; job = queue.shift()) {
      await new Promise((resolve) => setImmediate(resolve));
      const env = await pool.acquire();
      let broken = false;
      try {
        const r = await sample(job.point, job.s, env);
        if (!r.ok) failures.push({ step: job.point.step, sample: job.s, ...r.failure });
        results.get(job.point.step)!.push(r);
      } catch (e) {
        if (options.signal?.aborted) throw e;
        // Restoring the state failed, or something unexpected: the continuation failed with the
        // environment, and a handle in an unknown state is replaced.
        broken = true;
        const f = failureOfError(e, 'environment');
        failures.push({
          step: job.point.step,
          sample: job.s,
          action: null,
          code: f.code,
          message: f.message,
          fault: f.fault,
        });
        results.get(job.point.step)!.push({
          ok: false,
          failure: { action: null, code: f.code, message: f.message, fault: f.fault },
        });
      } finally {
        if (broken) pool.discard(env);
        else pool.release(env);
      }
      options.onSample?.(++done, jobs.length);
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, () => lane()));
  } finally {
    pool.close();
  }
  options.signal?.throwIfAborted();

  const values: StepValue[] = points.map((p) => {
    if (p.ended) {
      const won = success(episode.steps[p.step - 1]?.terminated ?? false, p.prefixMicros);
      return {
        step: p.step,
        action: p.step > 0 ? ep.steps[p.step - 1]!.action : null,
        samples: 0,
        successes: won ? 1 : 0,
        value: won ? 1 : 0,
        meanReturn: p.prefixMicros / 1e6,
        failed: 0,
        faults: { agent: 0, environment: 0 },
      };
    }
    const rs = results.get(p.step)!;
    const ok = rs.filter((r) => r.ok);
    const bad = rs.filter((r) => !r.ok);
    const successes = ok.filter((r) => r.success).length;
    return {
      step: p.step,
      action: p.step > 0 ? ep.steps[p.step - 1]!.action : null,
      samples: ok.length,
      successes,
      value: ok.length === 0 ? Number.NaN : successes / ok.length,
      meanReturn: ok.length === 0 ? Number.NaN : ok.reduce((a, r) => a + r.returnMicros, 0) / 1e6 / ok.length,
      failed: bad.length,
      faults: {
        agent: bad.filter((r) => r.failure.fault === 'agent').length,
        environment: bad.filter((r) => r.failure.fault === 'environment').length,
      },
    };
  });
  const advantages: StepAdvantage[] = [];
  for (let i = 1; i < values.length; i++) {
    const before = values[i - 1]!;
    const after = values[i]!;
    if (after.step !== before.step + 1) continue;
    advantages.push({
      step: after.step,
      action: after.action!,
      advantage: after.value - before.value,
      valueBefore: before.value,
      valueAfter: after.value,
    });
  }
  return {
    v: 1,
    env: `${source.spec.name}@${source.spec.version}`,
    seed: ep.header.seed,
    taskIndex: ep.header.taskIndex,
    taskId: ep.header.taskId,
    agent: options.agent(0).id,
    original: {
      length: ep.steps.length,
      returnMicros: originalReturn,
      success: originalSuccess,
      ...(originalFailure ? { failure: originalFailure } : {}),
    },
    values,
    advantages,
    failed: {
      failed: failures.length,
      agent: failures.filter((f) => f.fault === 'agent').length,
      environment: failures.filter((f) => f.fault === 'environment').length,
    },
    failures: failures.sort((a, b) => a.step - b.step || a.sample - b.sample),
  };
}
