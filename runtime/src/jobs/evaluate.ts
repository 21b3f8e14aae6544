import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAgent } from '../agents/resolve.ts';
import { type EvalReport, evaluate as evaluateAgents, requireMeasured } from '../eval/evaluate.ts';
import { effectiveConcurrency } from '../rollout/workers.ts';
import { refuseHuman, requireWritableFolder } from './checks.ts';
import { type EnvRef, jobSource } from './env.ts';
import type { JobContext } from './job.ts';

export interface EvaluateOptions {
  /** The environment: a catalog name, a folder with `spec.json`, or a loaded source. */
  env: EnvRef;
  /** The agent evaluated (`resolveAgent`'s names; not `human`). Default `random`. */
  agent?: string;
  /** The endpoint of an `openai:` / `anthropic:` agent (vLLM, llama.cpp, Ollama, the trainer…). Default: `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`. */
  baseUrl?: string;
  /** A baseline agent, played on the same tasks and seeds: the report then compares the two pair by pair. */
  vs?: string;
  /** Seeds per task. Default 4. */
  episodesPerTask?: number;
  /** First seed: task t is played with seeds `seed` … `seed + episodesPerTask − 1`. Default 0. */
  seed?: number;
  /** Run folder: `a/` and `b/` hold each agent's episodes (a second call resumes), `eval.json` the report. Default `.palestra/runs/eval`. */
  out?: string;
  /** Agent turns in flight at once. Default 4. */
  concurrency?: number;
  /** Deadline of one agent turn, in ms. Default: none. */
  timeoutMs?: number;
  /** Retries of a failed agent turn. Default 3. */
  retries?: number;
}

/** Episodes finished so far by one agent (`a`, then `b`). */
export interface EvaluateProgress {
  label: string;
  done: number;
  total: number;
}

export interface EvaluateResult {
  /** Scores with 95% bootstrap intervals, the paired difference, per-task rows (also in `eval.json`). */
  report: EvalReport;
  /** Where `eval.json` was written. */
  reportPath: string;
  /** The signal stopped it: the report covers complete pairs only, and the same call again finishes it. */
  interrupted: boolean;
}

/**
 * Evaluates an agent on the held-out tasks (all tasks when the spec holds none out) and, with
 * `vs`, compares it with a baseline paired by task and seed; writes `eval.json`. When an agent
 * completes no episode (an endpoint that cannot be reached, say) nothing was measured, and it
 * throws `EVAL_INCOMPLETE` (a `NothingMeasuredError`) after writing the report, unless interrupted.
 *
 * @example
 * const { report } = await evaluate({ env: 'echo-target', agent: 'scripted:right.json', vs: 'random', out: 'runs/eval' });
 * report.difference?.meanReturn; // { estimate, low, high }
 */
export async function evaluate(
  options: EvaluateOptions,
  context: JobContext<EvaluateProgress> = {},
): Promise<EvaluateResult> {
  const agent = options.agent ?? 'random';
  const seed = options.seed ?? 0;
  const out = options.out ?? '.palestra/runs/eval';
  const concurrency = options.concurrency ?? 4;
  const { signal, onProgress } = context;
  refuseHuman('eval', agent, options.vs);
  const source = await jobSource(options.env);
  const make = (spec: string) => () => resolveAgent(spec, source.spec, seed, { baseUrl: options.baseUrl });
  make(agent)(); // a bad agent fails here, before any episode
  if (options.vs) make(options.vs)();
  requireWritableFolder(out, '--out');
  const report = await evaluateAgents(source, {
    agent: { label: 'a', make: make(agent) },
    ...(options.vs ? { vs: { label: 'b', make: make(options.vs) } } : {}),
    episodesPerTask: options.episodesPerTask ?? 4,
    seed,
    out,
    // Agents that answer in-process never wait: episodes in flight beyond one would only open
    // more environment handles (a worker thread each for an environment with code).
    concurrency: Math.max(
      effectiveConcurrency(concurrency, agent),
      options.vs ? effectiveConcurrency(concurrency, options.vs) : 1,
    ),
    retries: options.retries ?? 3,
    ...(signal ? { signal } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(onProgress
      ? { onProgress: (label: string, done: number, total: number) => onProgress({ label, done, total }) }
      : {}),
  });
  const reportPath = join(out, 'eval.json');
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  const interrupted = signal?.aborted === true;
  // Every episode of an agent failed: an error, not a result.
  if (!interrupted) requireMeasured(report);
  return { report, reportPath, interrupted };
}
