import {
  type Action,
  type EnvHandle,
  type EnvSource,
  type Episode,
  type Fault,
  openEnv,
  PalestraError,
  replay,
} from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import type { Agent } from '../agents/agent.ts';
import { episodeComplete, succeeded } from '../play/outcome.ts';
import type { EpisodeState, PlayOutcome } from '../play/playEpisode.ts';
import { type LaneSettings, playLanes } from '../play/playLanes.ts';
import {
  countFailures,
  type FailureCounts,
  failureOfRecord,
  type OutcomeFailure,
} from '../rollout/failure.ts';

/** The state after step j of a recorded episode (j = 0: after reset), exactly as it was. */
export interface BranchPoint extends EpisodeState {
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

/** The lanes' settings (`LaneSettings`: concurrency, timeouts, retries, `openEnv`, the signal), and the samples. */
export interface BranchOptions extends LaneSettings {
  /** A fresh agent per sample. */
  agent: (sample: number) => Agent;
  /** Continuations per branch point. */
  samples: number;
  /** Branch points: states after step j (0 = after reset). */
  steps: number[];
  /** Sample s from point j gets agent seed `seed + j * samples + s`. Default 0. */
  seed?: number;
  onSample?: (done: number, total: number) => void;
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

/**
 * Estimates, for states along a recorded episode, the probability that an agent still succeeds
 * from there: each state is restored exactly (`branchPoints`) and the agent plays `samples`
 * continuations to the end (`playLanes`, nothing written). Consecutive estimates give step-level
 * advantages for training. The agent sees the observation at the branch point, not the
 * conversation that led to it. A continuation that fails (the agent gives no action, or a step
 * stops on an error) is counted apart, never as a loss: breaking the environment is not an
 * outcome of the task.
 *
 * @example
 * const r = await branch(source, episode, { agent: () => randomAgent(spec, 0), samples: 32, steps: [0, 1, 2, 3] });
 */
export async function branch(
  source: EnvSource,
  episode: Episode,
  options: BranchOptions,
): Promise<BranchReport> {
  // The rest (concurrency, timeouts, retries, signal, openEnv) is the lanes'.
  const { agent: agentOf, samples, steps: asked, seed = 0, onSample, ...settings } = options;
  const steps = [...new Set(asked)].sort((a, b) => a - b);
  const points = await branchPoints(source, episode, steps, settings.openEnv);
  const ep = episode;
  const originalReturn = ep.steps.reduce((a, s) => a + s.reward, 0);
  const originalFailure = failureOfRecord(ep);
  const originalSuccess = succeeded({
    terminated: ep.footer?.terminated ?? false,
    returnMicros: originalReturn,
    failure: originalFailure,
  });
  const results = new Map<number, { sample: number; outcome: PlayOutcome }[]>(
    points.map((p) => [p.step, []]),
  );
  const jobs: { point: BranchPoint; s: number }[] = points
    .filter((p) => !p.ended)
    .flatMap((point) => Array.from({ length: samples }, (_, s) => ({ point, s })));
  let done = 0;
  await playLanes(source, jobs, {
    ...settings,
    episode: ({ point, s }) => {
      const index = point.step * samples + s;
      return {
        agent: agentOf(s),
        start: { restore: point, info: ep.header.info },
        episodeIndex: index,
        agentSeed: seed + index,
      };
    },
    onEpisode: ({ point, s }, outcome) => {
      if (outcome.status === 'interrupted') return;
      results.get(point.step)!.push({ sample: s, outcome });
      onSample?.(++done, jobs.length);
    },
  });
  settings.signal?.throwIfAborted();

  const failures: SampleFailure[] = [...results].flatMap(([step, rs]) =>
    rs.flatMap(({ sample, outcome: { failure, failedAction } }) =>
      failure
        ? [
            {
              step,
              sample,
              action: failedAction ?? null,
              code: failure.code,
              message: failure.message,
              fault: failure.fault,
            },
          ]
        : [],
    ),
  );
  const values: StepValue[] = points.map((p) => {
    const action = p.step > 0 ? ep.steps[p.step - 1]!.action : null;
    if (p.ended) {
      const won = succeeded({
        terminated: ep.steps[p.step - 1]?.terminated ?? false,
        returnMicros: p.prefixMicros,
      });
      return {
        step: p.step,
        action,
        samples: 0,
        successes: won ? 1 : 0,
        value: won ? 1 : 0,
        meanReturn: fromMicros(p.prefixMicros),
        failed: 0,
        faults: { agent: 0, environment: 0 },
      };
    }
    const rs = results.get(p.step)!.map((r) => r.outcome);
    const ok = rs.filter(episodeComplete);
    const bad = countFailures(rs);
    const successes = ok.filter(succeeded).length;
    return {
      step: p.step,
      action,
      samples: ok.length,
      successes,
      value: ok.length === 0 ? Number.NaN : successes / ok.length,
      meanReturn:
        ok.length === 0 ? Number.NaN : fromMicros(ok.reduce((a, r) => a + r.returnMicros, 0)) / ok.length,
      failed: bad.failed,
      faults: { agent: bad.agent, environment: bad.environment },
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
    agent: agentOf(0).id,
    original: {
      length: ep.steps.length,
      returnMicros: originalReturn,
      success: originalSuccess,
      ...(originalFailure ? { failure: originalFailure } : {}),
    },
    values,
    advantages,
    failed: countFailures([...results.values()].flat().map((r) => r.outcome)),
    failures: failures.sort((a, b) => a.step - b.step || a.sample - b.sample),
  };
}
