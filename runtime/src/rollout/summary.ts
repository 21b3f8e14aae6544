import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromMicros } from '@palestra/envs/core';
import { episodeComplete, succeeded } from '../play/outcome.ts';
import { countFailures, type FailureCounts, failedNote } from './failure.ts';
import type { EpisodeOutcome, RolloutResult } from './rollout.ts';

/** USD per token (prompt and completion priced apart, as providers do). */
export interface TokenPrices {
  prompt: number;
  completion: number;
}

export interface TaskStats {
  taskIndex: number;
  taskId: string | null;
  episodes: number;
  returnMean: number;
  returnStd: number;
  successRate: number;
}

/** `summary.json` of a run folder. Returns are floats (micro-units / 10⁶); sums are exact before division. */
export interface RolloutSummary {
  v: 1;
  env: string;
  bundle: string;
  agent: string;
  /**
   * Episodes planned; how many are complete (ended by their rules, played now or kept from an
   * earlier session); how many failed (stopped by an error, recorded or not: see `faults`).
   * Means, spreads, success rates, lengths and groups are over the complete ones only.
   */
  episodes: number;
  complete: number;
  /** Episodes kept from an earlier session (complete or failed). */
  resumed: number;
  failed: number;
  /** The failed episodes split by fault: the agent's output broke the episode, or the environment failed. */
  faults: { agent: number; environment: number };
  /** `n failed (…), not in the means`, or '' (for people reading the file). */
  note: string;
  interrupted: boolean;
  groupSize: number;
  returnMean: number;
  returnStd: number;
  /** Share of complete episodes that ended in a final state with a positive return. */
  successRate: number;
  meanLength: number;
  invalidActions: number;
  /** Groups whose members' returns are all equal: they carry no GRPO signal. */
  zeroVarianceGroups: number;
  groups: number;
  /** Tokens of every episode that was played or kept, failed ones included (they were paid for). */
  tokens: { prompt: number; completion: number };
  /** USD, when prices were given. */
  cost: number | null;
  /** This session (resumed episodes excluded). */
  throughput: {
    seconds: number;
    episodes: number;
    turns: number;
    steps: number;
    episodesPerSecond: number;
    turnsPerSecond: number;
    stepsPerSecond: number;
    maxTurnsInFlight: number;
    envHandles: number;
  };
  perTask: TaskStats[];
  /** Failed episodes, one line each: the error, its fault, and whether the file records it. */
  errors: {
    index: number;
    file: string;
    error: string;
    fault: 'agent' | 'environment';
    recorded: boolean;
    /** What to do about it, when the error said. */
    hint?: string;
  }[];
}

// The one definition of success lives with the other outcome predicates; importers of it here keep working.

export function meanStd(xs: number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

/**
 * Aggregates a rollout into what `summary.json` holds: return mean and spread per task, success
 * rate, tokens from the turn records, cost, groups without variance, throughput. Failed episodes
 * are counted (split by fault) and listed, never averaged: their return is not an outcome.
 */
export function summarizeRollout(result: RolloutResult, prices?: TokenPrices): RolloutSummary {
  const done = result.episodes.filter(episodeComplete);
  const failures: FailureCounts = countFailures(result.episodes);
  const returns = done.map((e) => fromMicros(e.returnMicros));
  const { mean, std } = meanStd(returns);
  const byTask = new Map<number, EpisodeOutcome[]>();
  // A played episode always knows its task (null is only for episodes that never started).
  for (const e of done) {
    const t = e.taskIndex ?? -1;
    byTask.set(t, [...(byTask.get(t) ?? []), e]);
  }
  const perTask = [...byTask.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([taskIndex, eps]) => {
      const s = meanStd(eps.map((e) => fromMicros(e.returnMicros)));
      return {
        taskIndex,
        taskId: eps[0]!.taskId,
        episodes: eps.length,
        returnMean: s.mean,
        returnStd: s.std,
        successRate: eps.filter(succeeded).length / eps.length,
      };
    });
  const byGroup = new Map<number, EpisodeOutcome[]>();
  for (const e of done) byGroup.set(e.group, [...(byGroup.get(e.group) ?? []), e]);
  const groupSize = Math.max(1, ...result.episodes.map((e) => e.member + 1));
  const fullGroups = [...byGroup.values()].filter((g) => g.length === groupSize && groupSize > 1);
  // Tokens were spent on failed episodes too: they count in the cost.
  const spent = result.episodes.filter((e) => e.status !== 'pending');
  const tokens = {
    prompt: spent.reduce((a, e) => a + e.usage.promptTokens, 0),
    completion: spent.reduce((a, e) => a + e.usage.completionTokens, 0),
  };
  const played = result.episodes.filter((e) => e.status === 'complete').length;
  const secs = Math.max(result.seconds, 1e-9);
  return {
    v: 1,
    env: result.env,
    bundle: result.bundle,
    agent: result.agent,
    episodes: result.episodes.length,
    complete: done.length,
    resumed: result.episodes.filter((e) => e.status === 'resumed').length,
    failed: failures.failed,
    faults: { agent: failures.agent, environment: failures.environment },
    note: failedNote(failures),
    interrupted: result.interrupted,
    groupSize,
    returnMean: mean,
    returnStd: std,
    successRate: done.length === 0 ? 0 : done.filter(succeeded).length / done.length,
    meanLength: done.length === 0 ? 0 : done.reduce((a, e) => a + e.length, 0) / done.length,
    invalidActions: done.reduce((a, e) => a + e.invalidActions, 0),
    zeroVarianceGroups: fullGroups.filter((g) => g.every((e) => e.returnMicros === g[0]!.returnMicros))
      .length,
    groups: fullGroups.length,
    tokens,
    cost: prices ? tokens.prompt * prices.prompt + tokens.completion * prices.completion : null,
    throughput: {
      seconds: result.seconds,
      episodes: played,
      turns: result.turns,
      steps: result.steps,
      episodesPerSecond: played / secs,
      turnsPerSecond: result.turns / secs,
      stepsPerSecond: result.steps / secs,
      maxTurnsInFlight: result.maxTurnsInFlight,
      envHandles: result.envHandles,
    },
    perTask,
    errors: result.episodes.flatMap((e) =>
      e.failure
        ? [
            {
              index: e.index,
              file: e.file,
              error: `${e.failure.code}: ${e.failure.message}`,
              fault: e.failure.fault,
              recorded: e.failure.recorded,
              ...(e.failure.hint ? { hint: e.failure.hint } : {}),
            },
          ]
        : [],
    ),
  };
}

/** Writes `summary.json` into the run folder and returns its path. */
export function writeSummary(out: string, summary: RolloutSummary): string {
  const path = join(out, 'summary.json');
  writeFileSync(path, `${JSON.stringify(summary, null, 2)}\n`);
  return path;
}
