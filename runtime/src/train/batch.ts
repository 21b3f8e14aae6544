import { agentFaultMicros, type Fault, MAX_FAULT_SHARE, PalestraError } from '@palestra/envs';
import { fromMicros, microsOf } from '@palestra/envs/core';

/** One episode of a training step, once it is scored. */
export interface StepEpisode {
  file: string;
  /** Its GRPO group (`groupKey(taskIndex, seed)`): rewards are compared within it. */
  group: string;
  /**
   * The overseer's reward (the environment's return with `--overseer none`); null when the
   * episode could not be scored (an environment that failed before writing a record).
   */
  reward: number | null;
  /** Who broke the episode, when something did (`blame` of what its record and its score say). */
  fault?: Fault;
  /** The error code that stopped it, for the step log. */
  code?: string;
}

/** An episode a training step trains on, with the reward it trains with. */
export interface BatchEpisode extends StepEpisode {
  reward: number;
}

/** The step log's account of broken episodes. */
export interface StepFaults {
  /** Every episode of the step, broken ones included. */
  episodes: number;
  /** Broken by the agent: kept, with the worst reward of their group. */
  agent: number;
  /** Broken by the environment: left out. */
  environment: number;
  /** Broken episodes per error code (`VETOED` where only the overseer's score says so). */
  codes: Record<string, number>;
}

export interface StepBatch {
  /** What the step trains on: honest episodes as scored, agent-broken ones at the worst reward. */
  episodes: BatchEpisode[];
  /** Episodes the environment broke: never trained on. */
  leftOut: StepEpisode[];
  faults: StepFaults;
}

/**
 * Whose fault, of several verdicts on one episode (its record's, the overseer's): the agent's if
 * any says so, else the environment's if any says so. A verdict can add blame, never remove it,
 * so no record or score can turn an agent-caused failure into one that is left out.
 */
export function blame(...verdicts: (Fault | undefined)[]): Fault | undefined {
  if (verdicts.includes('agent')) return 'agent';
  if (verdicts.includes('environment')) return 'environment';
  return undefined;
}

/**
 * The episodes a training step trains on, so that training never pays for breaking the
 * environment (issue 11):
 * - an episode the **agent** broke (an oversized or malformed reply, a forged or broken record)
 *   stays in, with reward `agentFaultMicros(bounds)`, one micro-unit below the declared minimum
 *   return, whatever its score. Should an honest episode of its group score that low or lower (a
 *   score outside the declared bounds, e.g. a judge on its own scale), the broken one goes one
 *   micro-unit below that: it is always the worst of its group;
 * - an episode the **environment** broke (its code threw, a deadline, memory, a reward out of
 *   bounds) is left out and counted: its outcome says nothing about the policy.
 * Pure: the loop reads the records and scores, this decides. See `checkFaultShare`.
 *
 * @example
 * const batch = stepBatch(episodes, source.spec.reward.bounds!);
 * checkFaultShare(source.spec.name, k, batch);
 */
export function stepBatch(episodes: StepEpisode[], bounds: { min: number }): StepBatch {
  const faults: StepFaults = { episodes: episodes.length, agent: 0, environment: 0, codes: {} };
  const lowest = new Map<string, number>();
  for (const e of episodes)
    if (e.fault === undefined) {
      if (e.reward === null)
        throw new PalestraError('EPISODE_UNSCORED', `${e.file} has no score, and nothing broke it`, {
          details: { file: e.file },
          hint: 'every episode that ended by its rules is scored before a step trains on it',
        });
      lowest.set(e.group, Math.min(lowest.get(e.group) ?? Number.POSITIVE_INFINITY, microsOf(e.reward)));
    }
  const penalty = agentFaultMicros(bounds);
  const kept: BatchEpisode[] = [];
  const leftOut: StepEpisode[] = [];
  for (const e of episodes) {
    if (e.fault !== undefined) {
      if (e.fault === 'agent') faults.agent++;
      else faults.environment++;
      const code = e.code ?? 'VETOED';
      faults.codes[code] = (faults.codes[code] ?? 0) + 1;
    }
    if (e.fault === 'environment') leftOut.push(e);
    else if (e.fault === 'agent') {
      const micros = Math.min(penalty, (lowest.get(e.group) ?? Number.POSITIVE_INFINITY) - 1);
      kept.push({ ...e, reward: fromMicros(micros) });
    } else kept.push(e as BatchEpisode);
  }
  return { episodes: kept, leftOut, faults };
}

/** A training step in which too many episodes were broken by the environment itself. */
export class TrainEnvironmentFaultsError extends PalestraError {
  override name = 'TrainEnvironmentFaultsError';
  constructor(env: string, step: number, batch: Pick<StepBatch, 'leftOut' | 'faults'>) {
    const { faults } = batch;
    const codes = new Map<string, number>();
    for (const e of batch.leftOut) codes.set(e.code ?? 'VETOED', (codes.get(e.code ?? 'VETOED') ?? 0) + 1);
    const which = [...codes].map(([c, n]) => `${n}× ${c}`).join(', ');
    const example = batch.leftOut.find((e) => e.reward !== null || e.code)?.file ?? batch.leftOut[0]?.file;
    super(
      'TRAIN_ENVIRONMENT_FAULTS',
      `step ${step}: the environment ${env} broke ${faults.environment} of ${faults.episodes} episodes (${which}), more than the ${100 * MAX_FAULT_SHARE}% a training step allows`,
      {
        details: { env, step, ...faults, maxShare: MAX_FAULT_SHARE, ...(example ? { example } : {}) },
        hint: `the environment is failing, not the policy: run palestra check ${env}, fix what it reports${example ? ` (replay ${example} to see a failure)` : ''}, then rerun the same command`,
      },
    );
  }
}

/**
 * Fails the step (`TrainEnvironmentFaultsError`, naming the environment) when more than
 * `MAX_FAULT_SHARE` of its episodes were broken by the environment: leaving that many out would
 * train on a biased sample of the tasks, and the environment needs fixing first.
 */
export function checkFaultShare(
  env: string,
  step: number,
  batch: Pick<StepBatch, 'leftOut' | 'faults'>,
): void {
  if (batch.faults.environment > MAX_FAULT_SHARE * batch.faults.episodes)
    throw new TrainEnvironmentFaultsError(env, step, batch);
}
