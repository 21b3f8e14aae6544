import { mkdirSync } from 'node:fs';
import { resolveAgent } from '../agents/resolve.ts';
import { episodeComplete, succeeded } from '../play/outcome.ts';
import { planGroups } from '../rollout/plan.ts';
import { requireRewardBounds } from '../rollout/rewardBounds.ts';
import {
  type RolloutProgress as EngineProgress,
  type RolloutResult as EngineResult,
  type EpisodeOutcome,
  rollout as playRollout,
} from '../rollout/rollout.ts';
import { type RolloutSummary, summarizeRollout, writeSummary } from '../rollout/summary.ts';
import {
  answersInProcess,
  effectiveConcurrency,
  rolloutAutoWorkers,
  rolloutInWorkers,
} from '../rollout/workers.ts';
import { type OverseerStats, scoreFiles } from '../score/scoreFiles.ts';
import { refuseHuman } from './checks.ts';
import { type EnvRef, jobSource } from './env.ts';
import type { JobContext } from './job.ts';

export interface RolloutOptions {
  /** The environment: a catalog name, a folder with `spec.json`, or a loaded source. Its spec must declare `reward.bounds`. */
  env: EnvRef;
  /**
   * The agent, as `resolveAgent` reads it: `random`, `random:invalid=<rate>`, `scripted:<file>`,
   * `openai:<model>`, `anthropic:<model>` (endpoints from `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`).
   * Not `human`: many episodes play at once. Default `random`.
   */
  agent?: string;
  /** The endpoint of an `openai:` / `anthropic:` agent (vLLM, llama.cpp, Ollama, the trainer…). Default: `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`. */
  baseUrl?: string;
  /**
   * The key of an `openai:` / `anthropic:` agent, for this run only. Default: `OPENAI_API_KEY` /
   * `ANTHROPIC_API_KEY`. It stays in memory (worker threads get it in `workerData`): it is never
   * written to the run folder, the summary or a turn record, and `process.env` is not touched.
   */
  apiKey?: string;
  /** Episodes in total, rounded up to whole groups. Default 16. */
  episodes?: number;
  /** Episodes per group: same task, same environment seed (GRPO). Default 1. */
  group?: number;
  /** Most agent turns (model calls) in flight at once. Default 4. */
  concurrency?: number;
  /** Run folder: the episode files and `summary.json`. A second call with the same folder resumes. Default `.palestra/runs/rollout`. */
  out?: string;
  /** Run seed: group g uses environment seed `seed + g`. Default 0. */
  seed?: number;
  /** Deadline of one agent turn, in ms; a late turn is retried. Default: none. */
  timeoutMs?: number;
  /** Retries of a failed agent turn, with exponential backoff. Default 3. */
  retries?: number;
  /** USD per million prompt and completion tokens, for the cost in the summary. Default: no cost. */
  prices?: { prompt?: number; completion?: number };
  /** Scores the complete episodes: `rules`, an ensemble config (JSON file or inline), or `none`. Default `rules`. */
  overseer?: string;
  /** Extra threads that play episodes: `auto` (only where they pay), N, or 0 (this thread only). Default `auto`. */
  workers?: number | 'auto';
}

/** What the episodes finished so far add up to (resumed ones included), for a live view. */
export interface RolloutSoFar {
  /** Mean return of the complete episodes, in reward units (null before the first). */
  meanReturn: number | null;
  /** Share of the complete episodes that succeeded (null before the first). */
  successRate: number | null;
  /** Tokens of the finished episodes (failed ones included: they were spent). */
  tokens: { prompt: number; completion: number };
  /** USD, with `prices`; else null. */
  cost: number | null;
}

/** What a rollout reports on the way: the episodes (after every turn and finished episode), then the scoring. */
export type RolloutProgress =
  | ({ kind: 'episodes' } & EngineProgress & RolloutSoFar)
  | { kind: 'scores'; done: number; total: number };

/** Running totals over finished episodes: `add` each one, `now` for the figures. */
function soFar(prices: { prompt: number; completion: number } | undefined) {
  let complete = 0;
  let returnMicros = 0;
  let successes = 0;
  const tokens = { prompt: 0, completion: 0 };
  return {
    add(e: EpisodeOutcome) {
      tokens.prompt += e.usage.promptTokens;
      tokens.completion += e.usage.completionTokens;
      if (!episodeComplete(e)) return;
      complete++;
      returnMicros += e.returnMicros;
      if (succeeded(e)) successes++;
    },
    now(): RolloutSoFar {
      return {
        meanReturn: complete === 0 ? null : returnMicros / 1e6 / complete,
        successRate: complete === 0 ? null : successes / complete,
        tokens: { ...tokens },
        cost: prices ? tokens.prompt * prices.prompt + tokens.completion * prices.completion : null,
      };
    },
  };
}

export interface RolloutResult {
  /** What `summary.json` holds, with the overseer's scores when the run was scored. */
  summary: RolloutSummary & { overseer?: OverseerStats };
  /** Where `summary.json` was written. */
  summaryPath: string;
  /** Every planned episode, in plan order. */
  episodes: EpisodeOutcome[];
  /** The signal stopped the run before every episode was complete: the same call again finishes it. */
  interrupted: boolean;
  /** Worker threads that played episodes (0: this thread only). */
  workers: number;
  /** An episode file worth replaying: a complete one, else one whose file records its failure. */
  replayable?: string;
}

/**
 * Plays many episodes at once (groups of `group` share a task and a seed, for GRPO), records each,
 * scores the complete ones with the overseer (the score is committed in each episode) and writes
 * `summary.json`. Complete episode files already in `out` are kept, so an interrupted rollout
 * (`context.signal`) returns `interrupted: true` and the same call again plays only the rest.
 * Failed episodes are counted by fault in the summary, never scored or averaged.
 *
 * @example
 * const r = await rollout({ env: 'frozen-lake', agent: 'random', episodes: 64, group: 8, out: 'runs/lake' });
 * r.summary.successRate; // and r.summaryPath: runs/lake/summary.json
 */
export async function rollout(
  options: RolloutOptions,
  context: JobContext<RolloutProgress> = {},
): Promise<RolloutResult> {
  const agent = options.agent ?? 'random';
  const seed = options.seed ?? 0;
  const group = options.group ?? 1;
  const out = options.out ?? '.palestra/runs/rollout';
  const concurrency = options.concurrency ?? 4;
  const workersOption = options.workers ?? 'auto';
  const { signal, onProgress } = context;
  refuseHuman('rollout', agent);
  const source = await jobSource(options.env);
  requireRewardBounds(source.spec, 'rollout');
  const local = () =>
    resolveAgent(agent, source.spec, seed, {
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
    });
  local(); // a bad agent fails here, before any episode
  mkdirSync(out, { recursive: true });
  const prices =
    options.prices?.prompt !== undefined || options.prices?.completion !== undefined
      ? { prompt: (options.prices.prompt ?? 0) / 1e6, completion: (options.prices.completion ?? 0) / 1e6 }
      : undefined;
  const totals = soFar(prices);
  const plans = planGroups(source.spec, { episodes: options.episodes ?? 16, group, seed, out });
  const common = {
    plans,
    // In-process agents never wait: one episode and one turn at a time on the main thread.
    concurrency:
      workersOption === 'auto' || workersOption === 0
        ? effectiveConcurrency(concurrency, agent)
        : concurrency,
    // Model agents: as many episodes in flight as the measured wait per turn pays for (each
    // holds an environment handle), up to `concurrency`.
    ...(answersInProcess(agent) ? {} : { episodesInFlight: 'auto' as const }),
    retries: options.retries ?? 3,
    ...(signal ? { signal } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(onProgress
      ? {
          onProgress: (p: EngineProgress, finished?: EpisodeOutcome) => {
            if (finished) totals.add(finished);
            onProgress({ kind: 'episodes', ...p, ...totals.now() });
          },
        }
      : {}),
  };
  let result: EngineResult;
  let workers = 0;
  if (workersOption === 'auto') {
    const r = await rolloutAutoWorkers(source, {
      ...common,
      agent,
      agentSeed: seed,
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      local,
    });
    workers = r.workers;
    result = r;
  } else if (workersOption > 0) {
    workers = workersOption;
    result = await rolloutInWorkers(source, {
      ...common,
      agent,
      agentSeed: seed,
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      workers,
    });
  } else result = await playRollout(source, { ...common, agent: local });

  const summary: RolloutResult['summary'] = summarizeRollout(result, prices);
  // Failed episodes carry no outcome to judge: they are counted, not scored. Scoring stops at the
  // signal too; what it committed stays, and the next call scores the rest.
  const complete = result.episodes.filter(episodeComplete).map((e) => e.file);
  const overseer = options.overseer ?? 'rules';
  let interrupted = result.interrupted;
  if (overseer !== 'none' && complete.length > 0 && !signal?.aborted) {
    const scored = await scoreFiles(complete, overseer, {
      source,
      groups: group > 1,
      ...(signal ? { signal } : {}),
      ...(onProgress
        ? { onScored: (done: number) => onProgress({ kind: 'scores', done, total: complete.length }) }
        : {}),
    });
    summary.overseer = scored.stats;
    if (scored.interrupted) interrupted = summary.interrupted = true;
  }
  const summaryPath = writeSummary(out, summary);
  const replayable =
    result.episodes.find(episodeComplete) ?? result.episodes.find((e) => e.failure?.recorded);
  return {
    summary,
    summaryPath,
    episodes: result.episodes,
    interrupted,
    workers,
    ...(replayable ? { replayable: replayable.file } : {}),
  };
}
