import { join } from 'node:path';
import { type EnvHandle, type EnvSource, taskIndices } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import type { Agent } from '../agents/agent.ts';
import { episodeComplete, succeeded } from '../play/outcome.ts';
import { countFailures, type FailureCounts, type OutcomeFailure } from '../rollout/failure.ts';
import { faults, NothingMeasuredError } from '../rollout/nothingMeasured.ts';
import type { EpisodePlan } from '../rollout/plan.ts';
import { type EpisodeOutcome, type RolloutResult, rollout } from '../rollout/rollout.ts';
import { bootstrapMean, type Interval } from './bootstrap.ts';

export interface EvalAgent {
  /** Shown in reports and used as the sub-folder of the run (`a`, `b`). */
  label: string;
  make: (plan: EpisodePlan) => Agent;
}

export interface EvaluateOptions {
  agent: EvalAgent;
  /** The baseline to compare with: same tasks, same seeds. */
  vs?: EvalAgent;
  /** Episodes per task (seeds `seed`, `seed + 1`, …). Default 4. */
  episodesPerTask?: number;
  seed?: number;
  /** Run folder: each agent's episodes go to `out/<label>/`, so a rerun resumes. */
  out: string;
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  onProgress?: (label: string, done: number, total: number) => void;
  /** How environments are opened (default `openEnv`: code modules run in a worker). */
  openEnv?: (source: EnvSource) => Promise<EnvHandle>;
}

export interface AgentScore {
  label: string;
  agent: string;
  /** Complete episodes scored (pairs both agents completed, with a baseline). */
  episodes: number;
  /** Episodes of this agent that failed (stopped by an error), by fault: not in the scores. */
  failed: FailureCounts;
  /** The first failed episode's failure (in plan order): what a user reads to learn why. */
  firstFailure?: OutcomeFailure;
  successRate: Interval;
  meanReturn: Interval;
}

export interface TaskRow {
  taskIndex: number;
  taskId: string | null;
  episodes: number;
  a: { successRate: number; meanReturn: number };
  b?: { successRate: number; meanReturn: number };
}

export interface EvalReport {
  v: 1;
  env: string;
  /** Which tasks were used: the held-out split, or all tasks when the spec holds none out. */
  split: 'eval' | 'all';
  tasks: number;
  episodesPerTask: number;
  seed: number;
  a: AgentScore;
  b?: AgentScore;
  /** A − B over (task, seed) pairs, when there is a baseline. */
  difference?: { successRate: Interval; meanReturn: Interval; pairs: number };
  perTask: TaskRow[];
  /** False when some episode did not complete (interrupted or failed): the report covers complete pairs only. */
  complete: boolean;
  /** Failed episodes of both agents together (see each agent's `failed`). */
  failed: number;
}

/**
 * Refuses a report that measured nothing (`NothingMeasuredError`, code `EVAL_INCOMPLETE`): an
 * agent completed no episode (with a baseline, `b` is then absent: agent A had no unit to pair),
 * or no (task, seed) pair was completed by both. An interrupted run is left to its caller.
 *
 * @example
 * const report = await evaluate(source, options); requireMeasured(report); // throws when every episode of A failed
 */
export function requireMeasured(r: EvalReport): void {
  if (r.a.episodes > 0) return;
  const named = (s: AgentScore) => ({
    name: `${s.label} (${s.agent})`,
    episodes: r.tasks * r.episodesPerTask,
    failed: s.failed,
    firstFailure: s.firstFailure,
  });
  const none = [r.a, r.b].find((s) => s !== undefined && s.failed.failed === r.tasks * r.episodesPerTask);
  if (none) throw NothingMeasuredError.noEpisode('EVAL_INCOMPLETE', 'the evaluation', named(none));
  if (r.failed > 0)
    throw new NothingMeasuredError(
      'EVAL_INCOMPLETE',
      `the evaluation measured nothing: no (task, seed) pair was completed by both agents (${[r.a, r.b]
        .filter((s) => s !== undefined)
        .map((s) => `${s.label}: ${faults(s.failed)}`)
        .join('; ')}).`,
      [r.a, r.b].filter((s) => s !== undefined).map(named),
    );
}

/** The held-out tasks of a spec, or every task when none is held out. */
export function evalTasks(source: EnvSource): { split: 'eval' | 'all'; tasks: number[] } {
  const held = taskIndices(source.spec, 'eval');
  return held.length > 0
    ? { split: 'eval', tasks: held }
    : { split: 'all', tasks: taskIndices(source.spec, 'all') };
}

/** `task-000006-seed-000002.jsonl` */
export function evalFileName(taskIndex: number, seed: number): string {
  return `task-${String(taskIndex).padStart(6, '0')}-seed-${String(seed).padStart(6, '0')}.jsonl`;
}

/** One plan per (task, seed): the unit both agents play, so their results pair up. */
export function evalPlans(
  tasks: number[],
  episodesPerTask: number,
  seed: number,
  out: string,
): EpisodePlan[] {
  const plans: EpisodePlan[] = [];
  for (const [p, taskIndex] of tasks.entries()) {
    for (let j = 0; j < episodesPerTask; j++) {
      const index = p * episodesPerTask + j;
      plans.push({
        index,
        group: index,
        member: 0,
        taskIndex,
        seed: seed + j,
        agentSeed: (seed + j) * 100_003 + taskIndex,
        file: join(out, evalFileName(taskIndex, seed + j)),
      });
    }
  }
  return plans;
}

const key = (e: EpisodeOutcome) => `${e.taskIndex}/${e.seed}`;
const done = episodeComplete;

function score(
  label: string,
  result: RolloutResult,
  units: EpisodeOutcome[],
  seed: number,
  resamples: number,
): AgentScore {
  const firstFailure = result.episodes.find((e) => e.failure)?.failure;
  return {
    label,
    agent: result.agent,
    episodes: units.length,
    failed: countFailures(result.episodes),
    ...(firstFailure ? { firstFailure } : {}),
    successRate: bootstrapMean(
      units.map((e) => (succeeded(e) ? 1 : 0)),
      { seed, resamples },
    ),
    meanReturn: bootstrapMean(
      units.map((e) => fromMicros(e.returnMicros)),
      { seed, resamples },
    ),
  };
}

/**
 * Evaluates an agent on held-out tasks and, with `vs`, compares it with a baseline paired by task
 * and seed: both play exactly the same (task, seed) units, so the difference is measured pair by
 * pair. Intervals are 95% percentile bootstraps with seeded resampling.
 *
 * @example
 * const report = await evaluate(loadCatalog('echo-target'), { agent: { label: 'a', make }, vs: { label: 'b', make: rnd }, out: 'runs/eval' });
 */
export async function evaluate(source: EnvSource, options: EvaluateOptions): Promise<EvalReport> {
  const k = options.episodesPerTask ?? 4;
  const seed = options.seed ?? 0;
  const resamples = options.resamples ?? 2000;
  const { split, tasks } = evalTasks(source);
  const run = (a: EvalAgent) => {
    const plans = evalPlans(tasks, k, seed, join(options.out, a.label));
    return rollout(source, {
      plans,
      agent: a.make,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.openEnv ? { openEnv: options.openEnv } : {}),
      onProgress: (p) => options.onProgress?.(a.label, p.done + p.failed, p.total),
    });
  };
  const ra = await run(options.agent);
  // An agent that completed nothing leaves no unit to pair: the baseline is not played for nothing.
  const rb =
    options.vs && !options.signal?.aborted && ra.episodes.some(done) ? await run(options.vs) : undefined;
  // Only pairs both agents completed count, so A and B are measured on the same units.
  const bByKey = new Map((rb?.episodes ?? []).filter(done).map((e) => [key(e), e]));
  const aUnits = ra.episodes.filter(done).filter((e) => !rb || bByKey.has(key(e)));
  const bUnits = rb ? aUnits.map((e) => bByKey.get(key(e))!) : [];
  const report: EvalReport = {
    v: 1,
    env: ra.env,
    split,
    tasks: tasks.length,
    episodesPerTask: k,
    seed,
    a: score(options.agent.label, ra, aUnits, seed, resamples),
    perTask: [],
    complete: aUnits.length === ra.episodes.length && (!rb || bUnits.length === rb.episodes.length),
    failed: 0,
  };
  if (rb && options.vs) {
    report.b = score(options.vs.label, rb, bUnits, seed, resamples);
    report.difference = {
      pairs: aUnits.length,
      successRate: bootstrapMean(
        aUnits.map((e, i) => (succeeded(e) ? 1 : 0) - (succeeded(bUnits[i]!) ? 1 : 0)),
        { seed, resamples },
      ),
      meanReturn: bootstrapMean(
        aUnits.map((e, i) => fromMicros(e.returnMicros - bUnits[i]!.returnMicros)),
        { seed, resamples },
      ),
    };
  }
  report.failed = report.a.failed.failed + (report.b?.failed.failed ?? 0);
  const stats = (eps: EpisodeOutcome[]) => ({
    successRate: eps.filter(succeeded).length / eps.length,
    meanReturn: fromMicros(eps.reduce((s, e) => s + e.returnMicros, 0)) / eps.length,
  });
  for (const t of tasks) {
    const idx = aUnits.flatMap((e, i) => (e.taskIndex === t ? [i] : []));
    if (idx.length === 0) continue;
    const as = idx.map((i) => aUnits[i]!);
    report.perTask.push({
      taskIndex: t,
      taskId: as[0]!.taskId,
      episodes: as.length,
      a: stats(as),
      ...(rb ? { b: stats(idx.map((i) => bUnits[i]!)) } : {}),
    });
  }
  return report;
}
