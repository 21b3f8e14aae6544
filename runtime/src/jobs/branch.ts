import { writeFileSync } from 'node:fs';
import { readEpisode } from '@palestra/envs';
import { resolveAgent } from '../agents/resolve.ts';
import { type BranchReport, branch as branchEpisode } from '../branch/branch.ts';
import { effectiveConcurrency } from '../rollout/workers.ts';
import { checkOutFile, checkStepArg, refuseHuman } from './checks.ts';
import { type EnvRef, episodeSource } from './env.ts';
import { type JobContext, throwIfAborted } from './job.ts';

export interface BranchOptions {
  /** The recorded episode (a `.jsonl` file) to branch from. */
  episode: string;
  /** Branch after step k, and after k − 1 (for the advantage of step k). Default: the last step. */
  step?: number;
  /** Branch after every step of the episode (overrides `step`). */
  all?: boolean;
  /** Continuations per branch point. Default 16. */
  samples?: number;
  /** The agent that plays on (`resolveAgent`'s names; not `human`). Default `random`. */
  agent?: string;
  /** The endpoint of an `openai:` / `anthropic:` agent (vLLM, llama.cpp, Ollama, the trainer…). Default: `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`. */
  baseUrl?: string;
  /** The key of an `openai:`/`anthropic:` agent, held in memory for this job only (default: the environment's). */
  apiKey?: string;
  /** Seed of the continuations. Default 0. */
  seed?: number;
  /** Agent turns in flight at once. Default 4. */
  concurrency?: number;
  /** Deadline of one agent turn, in ms. Default: none. */
  timeoutMs?: number;
  /** The environment, instead of the one the episode records. */
  env?: EnvRef;
  /** Where the step values and advantages are written as JSON. Default `<episode>.branch.json`. */
  out?: string;
}

/** Continuations finished so far. */
export interface BranchProgress {
  done: number;
  total: number;
}

export interface BranchResult {
  /** Per branch point the chance of success from there on, per step its advantage (also in `out`). */
  report: BranchReport;
  /** The branch points: states after these steps (0: after reset). */
  steps: number[];
  /** Where the report was written. */
  out: string;
}

/**
 * Restores the exact state after steps of a recorded episode (each step re-executed and verified
 * bit for bit) and lets an agent play on from there `samples` times: the estimated chance of
 * success from each step, and the advantage of each recorded step for training. Continuations
 * that fail count apart, by fault. An aborted branch has no coherent partial report: it throws
 * `JOB_ABORTED` and writes nothing.
 *
 * @example
 * const { report } = await branch({ episode: 'runs/lake/episode-g000000-m00.jsonl', all: true, samples: 32 });
 * report.advantages; // [{ step: 1, advantage: -0.25, … }, …]
 */
export async function branch(
  options: BranchOptions,
  context: JobContext<BranchProgress> = {},
): Promise<BranchResult> {
  const agent = options.agent ?? 'random';
  const seed = options.seed ?? 0;
  const samples = options.samples ?? 16;
  const { signal, onProgress } = context;
  refuseHuman('branch', agent);
  const file = options.episode;
  const episode = readEpisode(file);
  checkStepArg(options.step, episode, file);
  const defaultOut = `${file.replace(/\.jsonl$/, '')}.branch.json`;
  if (options.out !== undefined) checkOutFile(options.out, '--out', defaultOut);
  const out = options.out ?? defaultOut;
  const source = await episodeSource(episode, options.env);
  const k = options.step ?? episode.steps.length;
  const steps = options.all
    ? Array.from({ length: episode.steps.length + 1 }, (_, j) => j)
    : k === 0
      ? [0]
      : [k - 1, k];
  resolveAgent(agent, source.spec, seed, { baseUrl: options.baseUrl, apiKey: options.apiKey }); // a bad agent fails here, before any continuation
  let report: BranchReport;
  try {
    report = await branchEpisode(source, episode, {
      agent: () =>
        resolveAgent(agent, source.spec, seed, { baseUrl: options.baseUrl, apiKey: options.apiKey }),
      samples,
      steps,
      seed,
      // An agent that answers in-process never waits: continuations in flight beyond one would only
      // open more environment handles (a worker thread each for an environment with code).
      concurrency: effectiveConcurrency(options.concurrency ?? 4, agent),
      ...(signal ? { signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(onProgress ? { onSample: (done: number, total: number) => onProgress({ done, total }) } : {}),
    });
  } catch (e) {
    throwIfAborted(signal, 'branch');
    throw e;
  }
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  return { report, steps, out };
}
