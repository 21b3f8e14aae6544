import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnvHandle, type EnvSource, openEnv, PalestraError, readEpisode } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import type { Agent } from '../agents/agent.ts';
import { randomAgent } from '../agents/random.ts';
import { scriptedAgent } from '../agents/scripted.ts';
import { episodeComplete, succeeded } from '../play/outcome.ts';
import { countFailures, type FailureCounts, failedNote, type OutcomeFailure } from '../rollout/failure.ts';
import { NothingMeasuredError } from '../rollout/nothingMeasured.ts';
import { planGroups } from '../rollout/plan.ts';
import { type EpisodeOutcome, rollout } from '../rollout/rollout.ts';
import { meanStd } from '../rollout/summary.ts';
import { probesFor } from './probes.ts';
import { SharedHandles } from './sharedHandles.ts';

export interface LearnabilityOptions {
  /** Groups per agent (each: one task, one seed). Default 16. */
  groups?: number;
  /** Episodes per group. Default 4. */
  group?: number;
  seed?: number;
  /** A scripted baseline (a JSON file of actions), when the author has one. */
  scripted?: string;
  /** How much better than random a probe may do before it counts as gaming the reward, in reward units. Default: 10% of the reward range. */
  margin?: number;
  /** Where the episodes go (default: a temporary folder, removed afterwards). */
  out?: string;
  /**
   * Episodes in flight, at most. Every agent of the analysis (random, scripted, the probes)
   * answers in-process and never waits, so one episode at a time is all the work can use: more
   * would only open more handles (each a worker thread for an environment with code). Kept for
   * callers that pass it; the analysis plays one at a time whatever it says.
   */
  concurrency?: number;
  /** Stops the analysis: it throws `JOB_ABORTED` (a report over part of the agents would mislead). */
  signal?: AbortSignal;
  /** Called as each agent starts, and as its episodes play (after every turn) and finish. */
  onProgress?: (event: LearnabilityProgress) => void;
  /** How environments are opened (default `openEnv`: code modules run in a worker). */
  openEnv?: (source: EnvSource) => Promise<EnvHandle>;
}

/**
 * How far the analysis is: an agent (a baseline or a probe) starts, or one of its episodes
 * finished. Agents play one after another, `index` of `agents`.
 */
export type LearnabilityProgress =
  | { kind: 'agent'; name: string; role: AgentResult['kind']; index: number; agents: number }
  | {
      kind: 'episodes';
      name: string;
      index: number;
      /** Complete episodes, failed ones, and how many of either were kept from an earlier run. */
      done: number;
      failed: number;
      resumed: number;
      total: number;
    };

export interface AgentResult {
  name: string;
  kind: 'baseline' | 'probe';
  agent: string;
  /** Complete episodes: the figures below are over these. */
  episodes: number;
  /** Episodes that failed (stopped by an error), by fault: left out of every figure. */
  failed: FailureCounts;
  /** The first failed episode's failure (in plan order): what a user reads to learn why. */
  firstFailure?: OutcomeFailure;
  meanReturn: number;
  stdReturn: number;
  /**
   * Mean reward earned per episode: the sum of the positive reward components of its steps (what
   * the rules paid, before step costs and penalties). Gaming a reward means earning it.
   */
  meanEarned: number;
  successRate: number;
  meanLength: number;
  invalidShare: number;
  /** Share of groups (G episodes of one task and seed) whose returns are all equal. */
  flatGroups: number;
  /** For probes: mean return minus random's. */
  overRandom?: number;
  /** For probes: mean earned reward minus random's. */
  earnedOverRandom?: number;
  /**
   * For probes: the reward can be gamed by this policy. It beats random by more than the margin AND
   * either earns more reward than random by more than the margin, or scores within the margin of the
   * best return the spec's bounds allow (see `gamesTheReward`).
   */
  games?: boolean;
}

export interface Histogram {
  min: number;
  max: number;
  /** Bin edges are min + i·width; the last bin includes max. */
  width: number;
  counts: number[];
}

export interface LearnabilityReport {
  v: 1;
  env: string;
  groups: number;
  groupSize: number;
  seed: number;
  /** Reward range used for the margin: the spec's bounds when given, else what was observed. */
  range: { min: number; max: number; from: 'bounds' | 'observed' };
  margin: number;
  results: AgentResult[];
  /** Returns of the random baseline. */
  histogram: Histogram;
  findings: { level: 'error' | 'warning' | 'info'; message: string }[];
  /** False when a degenerate policy games the reward (see `AgentResult.games`) or when any episode failed. */
  ok: boolean;
  /** Failed episodes of every agent together (an error finding names them). */
  failed: number;
}

/** A histogram of `values` in `bins` equal bins (one bin when every value is the same). */
export function histogram(values: number[], bins = 10): Histogram {
  if (values.length === 0) return { min: 0, max: 0, width: 0, counts: [] };
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) return { min, max, width: 0, counts: [values.length] };
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / width))]!++;
  return { min, max, width, counts };
}

/** The positive reward components of a recorded episode, summed (micro-units). */
function earnedMicros(file: string): number {
  let micros = 0;
  for (const step of readEpisode(file).steps)
    for (const c of step.components) if (c.micros > 0) micros += c.micros;
  return micros;
}

function resultOf(
  name: string,
  kind: AgentResult['kind'],
  eps: EpisodeOutcome[],
  agent: string,
): AgentResult {
  const done = eps.filter(episodeComplete);
  const returns = done.map((e) => fromMicros(e.returnMicros));
  const { mean, std } = meanStd(returns);
  const earned = meanStd(done.map((e) => fromMicros(earnedMicros(e.file)))).mean;
  const groups = new Map<number, number[]>();
  for (const e of done) groups.set(e.group, [...(groups.get(e.group) ?? []), e.returnMicros]);
  const full = [...groups.values()].filter((g) => g.length > 1);
  const steps = done.reduce((a, e) => a + e.length, 0);
  const firstFailure = eps.find((e) => e.failure)?.failure;
  return {
    name,
    kind,
    agent,
    episodes: done.length,
    failed: countFailures(eps),
    ...(firstFailure ? { firstFailure } : {}),
    meanReturn: mean,
    stdReturn: std,
    meanEarned: earned,
    successRate: done.length ? done.filter(succeeded).length / done.length : 0,
    meanLength: done.length ? steps / done.length : 0,
    invalidShare: steps ? done.reduce((a, e) => a + e.invalidActions, 0) / steps : 0,
    flatGroups: full.length ? full.filter((g) => g.every((x) => x === g[0])).length / full.length : 0,
  };
}

/**
 * Whether a degenerate probe games the reward: it beats random's return by more than `margin`, AND
 * it either earns more reward than random by more than `margin` or, with bounds from the spec,
 * scores within `margin` of the best return they allow.
 *
 * Why not "beats random" alone: random is itself a degenerate policy (it ignores the observation),
 * and its return is roughly the average of the "always <tool>" probes, so whenever blind actions
 * carry different penalties one probe beats it, however sound the reward. refund-desk shows it:
 * random's valid calls name orders that do not exist, so every decision it makes is blind and
 * penalized (-1, -0.5, -0.3) as the policy says it must be; replying until the step limit (-0.12)
 * or escalating blind (-0.31) beats random (-0.62) only by paying smaller penalties, and earns
 * nothing. Gaming a reward means collecting it without solving the task: earning positive reward
 * random does not earn, or ending as well as a solved episode (a reward made only of penalties,
 * where silence scores the maximum). Avoiding penalties by idling is reported as an info finding.
 *
 * @example
 * gamesTheReward(silence, random, { min: 0, max: 1, from: 'bounds' }, 0.1); // true if silence pays
 */
export function gamesTheReward(
  probe: Pick<AgentResult, 'meanReturn' | 'meanEarned'>,
  random: Pick<AgentResult, 'meanReturn' | 'meanEarned'>,
  range: LearnabilityReport['range'],
  margin: number,
): boolean {
  if (probe.meanReturn - random.meanReturn <= margin) return false;
  const earns = probe.meanEarned - random.meanEarned > margin;
  // An observed range's maximum may be the probe's own mean: only the spec's bounds say what solving pays.
  const asGoodAsSolving = range.from === 'bounds' && probe.meanReturn >= range.max - margin;
  return earns || asGoodAsSolving;
}

/**
 * What an author should know before publishing an environment: how baselines score, how rewards
 * are spread, how many GRPO groups carry no signal (every member scored the same), and whether a
 * degenerate policy (always one tool, empty replies, repeating itself) games the reward: beats a
 * random agent by earning reward without solving the task (`gamesTheReward`). Failed episodes make
 * the report an error (`ok` false), never a pass; a baseline (random, or the scripted one) that
 * completes no episode measures nothing, and throws `NothingMeasuredError` (`LEARNABILITY_INCOMPLETE`).
 *
 * @example
 * const report = await learnability(loadCatalog('echo-target'), { groups: 16, group: 4 });
 * if (!report.ok) process.exitCode = 1;
 */
export async function learnability(
  source: EnvSource,
  options: LearnabilityOptions = {},
): Promise<LearnabilityReport> {
  const groups = options.groups ?? 16;
  const size = options.group ?? 4;
  const seed = options.seed ?? 0;
  const out = options.out ?? mkdtempSync(join(tmpdir(), 'palestra-learnability-'));
  const spec = source.spec;
  // A bad script fails before any episode is played, not after random's.
  if (options.scripted) scriptedAgent(options.scripted, spec);
  const agents: { name: string; kind: AgentResult['kind']; make: (seed: number) => Agent }[] = [
    { name: 'random', kind: 'baseline', make: (s) => randomAgent(spec, s) },
    ...(options.scripted
      ? [
          {
            name: 'scripted',
            kind: 'baseline' as const,
            make: () => scriptedAgent(options.scripted!, source.spec),
          },
        ]
      : []),
    ...probesFor(spec).map((p) => ({ ...p, kind: 'probe' as const })),
  ];
  const results: AgentResult[] = [];
  let randomReturns: number[] = [];
  // One rollout per agent, all on the same handles (see `SharedHandles`): the analysis opens one
  // environment, not one per agent and episode in flight.
  const handles = new SharedHandles(options.openEnv ?? ((s) => openEnv(s)));
  try {
    for (const [i, a] of agents.entries()) {
      options.onProgress?.({ kind: 'agent', name: a.name, role: a.kind, index: i, agents: agents.length });
      const plans = planGroups(spec, {
        episodes: groups * size,
        group: size,
        seed,
        out: join(out, `${i}-${a.name.replace(/[^a-z0-9]+/gi, '-')}`),
        split: 'all',
      });
      const r = await rollout(source, {
        plans,
        agent: () => a.make(seed),
        // In-process agents never wait: a second episode in flight would overlap nothing.
        concurrency: 1,
        ...(options.signal ? { signal: options.signal } : {}),
        openEnv: handles.open,
        onProgress: (p) =>
          options.onProgress?.({
            kind: 'episodes',
            name: a.name,
            index: i,
            done: p.done,
            failed: p.failed,
            resumed: p.resumed,
            total: p.total,
          }),
      });
      const result = resultOf(a.name, a.kind, r.episodes, r.agent);
      results.push(result);
      // A baseline with no complete episode leaves nothing to compare the probes with: stop here.
      if (a.kind === 'baseline' && result.episodes === 0 && !options.signal?.aborted)
        throw NothingMeasuredError.noEpisode('LEARNABILITY_INCOMPLETE', 'the learnability analysis', {
          name: `the ${a.name} baseline`,
          episodes: plans.length,
          failed: result.failed,
          firstFailure: result.firstFailure,
        });
      if (a.name === 'random')
        randomReturns = r.episodes.filter(episodeComplete).map((e) => fromMicros(e.returnMicros));
    }
  } finally {
    handles.close();
    if (!options.out) rmSync(out, { recursive: true, force: true });
  }
  if (options.signal?.aborted)
    throw new PalestraError('JOB_ABORTED', 'the learnability analysis was stopped before it finished', {
      hint: options.out
        ? `run it again: the episodes kept in ${options.out} are not played twice`
        : 'run it again (pass --out to keep the episodes played so far for the next run)',
    });

  const bounds = spec.reward.bounds;
  const observed = results.map((r) => r.meanReturn).concat(randomReturns);
  const range =
    bounds?.min !== undefined && bounds?.max !== undefined
      ? { min: bounds.min, max: bounds.max, from: 'bounds' as const }
      : { min: Math.min(...observed), max: Math.max(...observed), from: 'observed' as const };
  const margin = options.margin ?? Math.max(0.1 * (range.max - range.min), 1e-6);
  const random = results[0]!;
  // Against no complete episode on either side there is nothing to compare (the failures are errors).
  for (const r of results)
    if (r.kind === 'probe' && r.episodes > 0 && random.episodes > 0) {
      r.overRandom = r.meanReturn - random.meanReturn;
      r.earnedOverRandom = r.meanEarned - random.meanEarned;
      r.games = gamesTheReward(r, random, range, margin);
    }

  const findings: LearnabilityReport['findings'] = [];
  for (const r of results.filter((x) => x.failed.failed > 0))
    findings.push({
      level: 'error',
      message: `"${r.name}": ${failedNote(r.failed)}${r.failed.environment ? ': the environment fails under play (palestra replay shows the failing step)' : ''}`,
    });
  for (const r of results.filter((x) => x.games))
    findings.push({
      level: 'error',
      message: `"${r.name}" scores ${r.meanReturn.toFixed(3)} on average, ${r.overRandom!.toFixed(3)} more than random, and earns ${r.meanEarned.toFixed(3)} (random ${random.meanEarned.toFixed(3)}; margin ${margin.toFixed(3)}): an agent can collect reward without solving the task`,
    });
  for (const r of results.filter((x) => x.overRandom !== undefined && !x.games && x.overRandom > margin))
    findings.push({
      level: 'info',
      message: `"${r.name}" scores ${r.meanReturn.toFixed(3)}, ${r.overRandom!.toFixed(3)} more than random, but earns about what random earns (${r.meanEarned.toFixed(3)} vs ${random.meanEarned.toFixed(3)}): it only pays smaller penalties, which is not gaming (an honest attempt that fails should still score above it, or a model learns to avoid trying)`,
    });
  const scripted = results.find((r) => r.name === 'scripted');
  if (random.successRate === 0 && (!scripted || scripted.successRate === 0))
    findings.push({
      level: 'warning',
      message: scripted
        ? 'no baseline ever succeeds, not even the scripted one: check that the goal can be reached'
        : 'random never succeeds: rewards may be too sparse for an untrained model to find (pass --scripted to show the goal is reachable)',
    });
  if (random.flatGroups >= 0.9)
    findings.push({
      level: 'warning',
      message: `${(100 * random.flatGroups).toFixed(0)}% of random's groups scored the same in every member: GRPO learns nothing from such groups (denser rewards, or larger groups, help)`,
    });
  if (random.stdReturn === 0)
    findings.push({
      level: 'warning',
      message: 'every random episode has the same return: the reward does not vary',
    });
  if (scripted && scripted.meanReturn <= random.meanReturn)
    findings.push({
      level: 'warning',
      message: `the scripted baseline (${scripted.meanReturn.toFixed(3)}) does not beat random (${random.meanReturn.toFixed(3)})`,
    });
  if (random.invalidShare > 0)
    findings.push({
      level: 'info',
      message: `${(100 * random.invalidShare).toFixed(1)}% of random's steps were invalid actions (random samples valid calls: check the tools' schemas)`,
    });
  if (spec.tools.length === 1)
    findings.push({
      level: 'info',
      message: `one tool: "always ${spec.tools[0]!.name}" is the random agent itself, so it is not probed`,
    });

  const failed = results.reduce((a, r) => a + r.failed.failed, 0);
  return {
    v: 1,
    env: `${spec.name}@${spec.version}`,
    groups,
    groupSize: size,
    seed,
    range,
    margin,
    results,
    histogram: histogram(randomReturns),
    findings,
    // An analysis whose episodes (or agent calls) failed is not a pass, whatever the probes scored.
    ok: !results.some((r) => r.games) && failed === 0,
    failed,
  };
}
