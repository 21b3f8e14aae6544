import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAgent } from '../agents/resolve.ts';
import { episodeFileName } from '../rollout/plan.ts';
import type { EpisodeOutcome } from '../rollout/rollout.ts';
import { type RolloutSummary, summarizeRollout, writeSummary } from '../rollout/summary.ts';
import { runEpisodes } from '../run/runEpisodes.ts';
import { type EnvRef, jobSource } from './env.ts';
import type { JobContext } from './job.ts';

export interface RunOptions {
  /** The environment: a catalog name, a folder with `spec.json`, or a loaded source. */
  env: EnvRef;
  /** The agent (`resolveAgent`'s names, `human` included: a person at this terminal). Default `random`. */
  agent?: string;
  /** The endpoint of an `openai:` / `anthropic:` agent (vLLM, llama.cpp, Ollama, the trainer…). Default: `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`. */
  baseUrl?: string;
  /** How many episodes. Default 10. */
  episodes?: number;
  /** Episode i is reset with seed `seed + i`. Default 0. */
  seed?: number;
  /** Folder for the episode files and `summary.json`; a second call with the same folder resumes. Default `.palestra/runs/latest`. */
  out?: string;
}

/** An episode finished (kept from an earlier call first): how many so far, and its outcome. */
export interface RunProgress {
  done: number;
  total: number;
  episode: EpisodeOutcome;
}

export interface RunResult {
  /** What `summary.json` holds (the same summary as a rollout's). */
  summary: RolloutSummary;
  /** Where `summary.json` was written. */
  summaryPath: string;
  /** Every planned episode, in order. */
  episodes: EpisodeOutcome[];
  /** The signal stopped the run: the episode in play ended where it was, and the same call again finishes it. */
  interrupted: boolean;
  /** The first episode's file (the one to replay). */
  firstFile: string;
}

/**
 * Plays episodes one after the other with one agent, records each (`out/episode-NNNNNN.jsonl`)
 * and writes `summary.json` (`palestra run`). An episode stopped by an error records it and counts
 * as failed; an agent that fails stops the run (`EPISODE_FAILED`, see `runEpisodes`).
 *
 * @example
 * const r = await run({ env: 'frozen-lake', agent: 'random', episodes: 20, seed: 7, out: 'runs/demo' });
 * r.summary.returnMean;
 */
export async function run(options: RunOptions, context: JobContext<RunProgress> = {}): Promise<RunResult> {
  const seed = options.seed ?? 0;
  const out = options.out ?? '.palestra/runs/latest';
  const { signal, onProgress } = context;
  const source = await jobSource(options.env);
  const agent = resolveAgent(options.agent ?? 'random', source.spec, seed, { baseUrl: options.baseUrl });
  try {
    mkdirSync(out, { recursive: true });
    const result = await runEpisodes(source, agent, {
      episodes: options.episodes ?? 10,
      seed,
      out,
      ...(signal ? { signal } : {}),
      ...(onProgress
        ? {
            onEpisode: (done: number, total: number, episode: EpisodeOutcome) =>
              onProgress({ done, total, episode }),
          }
        : {}),
    });
    const summary = summarizeRollout(result);
    const summaryPath = writeSummary(out, summary);
    return {
      summary,
      summaryPath,
      episodes: result.episodes,
      interrupted: result.interrupted,
      firstFile: join(out, episodeFileName(0)),
    };
  } finally {
    // A human agent lets go of the terminal.
    (agent as { close?: () => void }).close?.();
  }
}
