import { existsSync } from 'node:fs';
import {
  bundleId,
  type EnvSource,
  type Episode,
  EpisodeWriter,
  PalestraError,
  readEpisode,
} from '@palestra/envs';
import type { Agent } from '../agents/agent.ts';
import { parseTurnRecord } from '../agents/turnRecord.ts';
import type { EpisodeStatus } from '../play/outcome.ts';
import { type EpisodeTally, type PlayOutcome, unplayed, usageOf } from '../play/playEpisode.ts';
import { type LaneCounts, type LaneSettings, playLanes } from '../play/playLanes.ts';
import { AgentError } from './callAgent.ts';
import { failureOfRecord } from './failure.ts';
import type { EpisodePlan } from './plan.ts';

/** The lanes' settings (`LaneSettings`: concurrency, episodes in flight, timeouts, retries, `openEnv`), and the run. */
export interface RolloutOptions extends LaneSettings {
  /** The episodes to play (see `planGroups`). */
  plans: EpisodePlan[];
  /** A fresh agent for each episode (agents keep per-episode state, e.g. a conversation). */
  agent: (plan: EpisodePlan) => Agent;
  /** Stops the run: in-flight episodes end where they are, their files stay valid but truncated. */
  signal?: AbortSignal;
  /** Called as episodes finish (resumed ones first) and after every turn. */
  onProgress?: (progress: RolloutProgress, finished?: EpisodeOutcome) => void;
}

export interface RolloutProgress {
  total: number;
  /** Episodes complete (played now or found complete on disk), without a failure. */
  done: number;
  /** Episodes found complete on disk and kept (failed ones included). */
  resumed: number;
  /** Episodes that failed (see `OutcomeFailure`), played now or kept from disk. */
  failed: number;
  /** Turns and steps played in this session. */
  turns: number;
  steps: number;
  episodesInFlight: number;
  turnsInFlight: number;
  elapsedMs: number;
}

/** A planned episode's outcome: its plan, its task, what happened to it, and its tally (for resumed ones, read from the file). */
export interface EpisodeOutcome extends EpisodeTally {
  index: number;
  group: number;
  member: number;
  file: string;
  seed: number;
  /** The task played (null only when the episode never started and its plan left the task to the seed). */
  taskIndex: number | null;
  taskId: string | null;
  status: EpisodeStatus;
  /** `failure` as one line: `CODE: message`. */
  error?: string;
}

export interface RolloutResult {
  env: string;
  bundle: string;
  agent: string;
  episodes: EpisodeOutcome[];
  /** True when the run was aborted before every episode was complete. */
  interrupted: boolean;
  /** This session: wall time, turns and steps played (resumed episodes excluded). */
  seconds: number;
  turns: number;
  steps: number;
  /** The most agent turns that were in flight at once. */
  maxTurnsInFlight: number;
  /** Environment handles opened (≤ episodesInFlight: handles are reused). */
  envHandles: number;
}

/** A run's progress before anything is played. */
export function noProgress(): RolloutProgress {
  return {
    total: 0,
    done: 0,
    resumed: 0,
    failed: 0,
    turns: 0,
    steps: 0,
    episodesInFlight: 0,
    turnsInFlight: 0,
    elapsedMs: 0,
  };
}

/** A plan's outcome from how its play went (the task falls back to the plan's when the episode never started). */
function outcomeOfPlay(
  plan: EpisodePlan,
  status: EpisodeStatus,
  p: Omit<PlayOutcome, 'status'>,
): EpisodeOutcome {
  return {
    index: plan.index,
    group: plan.group,
    member: plan.member,
    file: plan.file,
    seed: plan.seed,
    taskIndex: p.info?.taskIndex ?? plan.taskIndex ?? null,
    taskId: p.info?.taskId ?? null,
    status,
    returnMicros: p.returnMicros,
    length: p.length,
    terminated: p.terminated,
    truncated: p.truncated,
    invalidActions: p.invalidActions,
    turns: p.turns,
    retries: p.retries,
    usage: p.usage,
    ...(p.failure ? { failure: p.failure, error: `${p.failure.code}: ${p.failure.message}` } : {}),
  };
}

/** A complete episode kept from disk, read back as the outcome its play had. */
function outcomeOfRecord(plan: EpisodePlan, ep: Episode): EpisodeOutcome {
  // The turn that sent a failing action sits on the failure line. Records from disk are read
  // through the turn record's schema (TURN_RECORD_INVALID names the path), never cast.
  const turns = [
    ...ep.steps.map((s, k) => ({ turn: s.turn, path: ['steps', k, 'turn'] })),
    { turn: ep.failure?.turn, path: ['failure', 'turn'] },
  ].filter((t) => t.turn !== undefined);
  const usage = { promptTokens: 0, completionTokens: 0 };
  for (const t of turns) {
    const u = usageOf(parseTurnRecord(t.turn, { path: t.path, file: plan.file }));
    usage.promptTokens += u.promptTokens;
    usage.completionTokens += u.completionTokens;
  }
  const failure = failureOfRecord(ep);
  return outcomeOfPlay(plan, 'resumed', {
    info: { ...ep.header.info, taskIndex: ep.header.taskIndex, taskId: ep.header.taskId },
    returnMicros: ep.steps.reduce((a, s) => a + s.reward, 0),
    length: ep.steps.length,
    terminated: ep.footer?.terminated ?? false,
    truncated: ep.footer?.truncated ?? false,
    invalidActions: ep.steps.filter((s) => s.invalidAction).length,
    turns: turns.length,
    retries: 0,
    usage,
    ...(failure ? { failure } : {}),
  });
}

/**
 * What is on disk for a plan: a complete episode of this run (kept), nothing usable (played from
 * scratch: no file, a truncated file from an interrupted run, or an unreadable one), or a complete
 * episode of another run (an error: the folder is not this run's, and nothing is overwritten).
 */
function existing(plan: EpisodePlan, root: string, agentId: () => string): Episode | undefined {
  if (!existsSync(plan.file)) return undefined;
  let ep: Episode;
  try {
    ep = readEpisode(plan.file);
  } catch {
    return undefined; // cut inside its header, or corrupt: play it again
  }
  if (!ep.complete) return undefined;
  const h = ep.header;
  const sameTask = plan.taskIndex === undefined || h.taskIndex === plan.taskIndex;
  if (h.seed !== plan.seed || !sameTask || h.spec.root !== root || h.agent !== agentId())
    throw new PalestraError(
      'RUN_MISMATCH',
      `${plan.file} holds a complete episode of another run (seed ${h.seed}, task ${h.taskIndex}, agent ${h.agent}, bundle ${h.spec.root?.slice(0, 12)}…), not seed ${plan.seed}, task ${plan.taskIndex ?? 'drawn from the seed'}, agent ${agentId()}`,
      {
        details: { file: plan.file },
        hint: 'use a new --out folder, or the options of the run that wrote this one',
      },
    );
  return ep;
}

/**
 * Plays many episodes at once and streams each to its file (hash-chained JSONL, turn records
 * beside the steps they caused): each plan is an episode from a reset (`playEpisode`), played in
 * the lanes every episode loop of the runtime shares (`playLanes`).
 *
 * - **Concurrency**: up to `episodesInFlight` episodes run as async tasks, each on its own
 *   environment handle from a pool (handles are reused across episodes); at most `concurrency`
 *   agent turns are in flight. Environment steps are synchronous, so they never interleave.
 * - **Failures**: an agent turn that throws or passes `timeoutMs` is retried with exponential
 *   backoff; an episode whose agent still fails is left truncated and reported `failed`. An
 *   error of a step (the environment's code, a reward out of bounds, an oversized action) ends
 *   its episode: the offending action and the error are recorded (`failStep`: replay reproduces
 *   the error), the outcome carries the `failure` and its fault, and the handle is recovered.
 *   It is never retried: it would fail the same way. Failed episodes count apart from complete
 *   ones (`episodeFailed`).
 * - **Cancellation and resume**: on `signal` abort, in-flight episodes stop at once and their
 *   files stay valid, truncated JSONL; a rerun with the same plans keeps finished episodes (and
 *   reads recorded failures back from them) and plays truncated ones again from scratch.
 *
 * @example
 * const plans = planGroups(source.spec, { episodes: 64, group: 8, seed: 0, out: 'runs/a' });
 * const result = await rollout(source, { plans, agent: () => randomAgent(source.spec, 0), concurrency: 16 });
 */
export async function rollout(source: EnvSource, options: RolloutOptions): Promise<RolloutResult> {
  // The rest (concurrency, episodes in flight, timeouts, retries, signal, openEnv) is the lanes'.
  const { plans, agent: agentOf, onProgress, ...settings } = options;
  const root = await bundleId(source);
  const started = performance.now();
  const outcomes = new Map<number, EpisodeOutcome>();
  const spec = { name: source.spec.name, version: source.spec.version, root };
  let agentId = '';
  const progress: RolloutProgress = { ...noProgress(), total: plans.length };
  const report = (finished?: EpisodeOutcome) => {
    progress.elapsedMs = performance.now() - started;
    onProgress?.({ ...progress }, finished);
  };
  const live = (counts: LaneCounts) => Object.assign(progress, counts);

  // Resume: complete episodes on disk are kept, everything else is (re)played.
  const todo: EpisodePlan[] = [];
  for (const plan of plans) {
    if (!agentId) agentId = agentOf(plan).id;
    // Agents may differ by plan (their id names their seed, say): ask only when a file is there.
    const ep = existing(plan, root, () => agentOf(plan).id);
    if (ep) {
      const o = outcomeOfRecord(plan, ep);
      outcomes.set(plan.index, o);
      if (o.failure) progress.failed++;
      else progress.done++;
      progress.resumed++;
      report(o);
    } else todo.push(plan);
  }

  const lanes = await playLanes(source, todo, {
    ...settings,
    episode: (plan) => {
      const agent = agentOf(plan);
      const reset = {
        seed: plan.seed,
        ...(plan.taskIndex === undefined ? {} : { taskIndex: plan.taskIndex }),
      };
      return {
        agent,
        start: {
          reset,
          record: (r) => new EpisodeWriter(plan.file, { spec, seed: plan.seed, agent: agent.id }, r),
        },
        episodeIndex: plan.index,
        agentSeed: plan.agentSeed,
      };
    },
    onTurn: (counts) => {
      live(counts);
      report();
    },
    onEpisode: (plan, played, counts) => {
      const o = outcomeOfPlay(plan, played.status, played);
      outcomes.set(plan.index, o);
      if (o.failure) progress.failed++;
      else if (o.status === 'complete') progress.done++;
      live(counts);
      report(o);
    },
  });
  const episodes = plans.map(
    (p) => outcomes.get(p.index) ?? outcomeOfPlay(p, 'pending', unplayed('complete')),
  );
  return {
    env: `${source.spec.name}@${source.spec.version}`,
    bundle: root,
    agent: agentId,
    episodes,
    interrupted: episodes.some((e) => e.status === 'interrupted' || e.status === 'pending'),
    seconds: (performance.now() - started) / 1000,
    turns: lanes.turns,
    steps: lanes.steps,
    maxTurnsInFlight: lanes.maxTurnsInFlight,
    envHandles: lanes.envHandles,
  };
}

export { failureOfRecord, type OutcomeFailure } from './failure.ts';
// Rollouts and training need the declared bounds: `rollout` and `train` call this before they start.
export { RewardBoundsRequiredError, requireRewardBounds } from './rewardBounds.ts';
export { AgentError };
