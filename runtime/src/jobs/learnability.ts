/**
 * The learnability job: what an author should know before publishing an environment (baselines,
 * the spread of rewards, GRPO groups without signal, degenerate policies that game the reward), as
 * `palestra learnability`, the studio and the provider run it.
 */
import {
  learnability as analyse,
  type LearnabilityProgress,
  type LearnabilityReport,
} from '../learnability/learnability.ts';
import { requireWritableFolder } from './checks.ts';
import { type EnvRef, jobSource } from './env.ts';
import { type JobContext, throwIfAborted } from './job.ts';

export type { LearnabilityProgress, LearnabilityReport } from '../learnability/learnability.ts';

export interface LearnabilityOptions {
  /** The environment: a catalog name, a folder with `spec.json`, or a loaded source. */
  env: EnvRef;
  /** Groups per agent (each: one task, one seed). Default 16. */
  groups?: number;
  /** Episodes per group. Default 4. */
  group?: number;
  /** Seed of the tasks, the environments and the agents. Default 0. */
  seed?: number;
  /** A scripted baseline (a JSON file of actions) that shows the goal is reachable. */
  scripted?: string;
  /** How far above random a degenerate policy may score, in reward units. Default: 10% of the reward range. */
  margin?: number;
  /** Where the episodes go; kept, and resumed by the next call. Default: a temporary folder, removed afterwards. */
  out?: string;
}

/** The report: `ok` false when a policy games the reward or an episode failed. */
export type LearnabilityResult = LearnabilityReport;

/**
 * Runs the learnability analysis of `options.env`: the random baseline (and the scripted one), then
 * each degenerate probe, one after another; progress comes as each agent starts and as its episodes
 * play. Aborting `context.signal` stops the episodes in flight and throws `JOB_ABORTED`: a report over
 * part of the agents would mislead; with `out`, the episodes already played are kept for the next
 * call. A baseline that completes no episode throws `LEARNABILITY_INCOMPLETE`; an `out` that cannot
 * be written is refused before any episode (`OUT_NOT_WRITABLE`, or the file system's code).
 *
 * @example
 * const report = await learnability({ env: 'echo-target', groups: 8 }, {
 *   onProgress: (e) => e.kind === 'agent' && console.log(`${e.index + 1}/${e.agents} ${e.name}`),
 * });
 * if (report.results.some((r) => r.games)) console.log('a degenerate policy games the reward');
 */
export async function learnability(
  options: LearnabilityOptions,
  context: JobContext<LearnabilityProgress> = {},
): Promise<LearnabilityResult> {
  throwIfAborted(context.signal, 'learnability');
  const source = await jobSource(options.env);
  // A folder that cannot be written would fail every episode, as if the environment broke.
  if (options.out) requireWritableFolder(options.out, '--out');
  const { env: _env, ...analysis } = options;
  return analyse(source, {
    ...analysis,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
  });
}
