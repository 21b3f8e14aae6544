import { type VerifiedFile, verifyFiles } from '../score/verifyFiles.ts';
import { type EnvRef, jobSource } from './env.ts';
import type { JobContext } from './job.ts';

export interface VerifyScoresOptions {
  /** Episode files (`.jsonl`) whose committed scores are checked; a group-judged score needs its whole group among them. */
  files: string[];
  /** The overseer whose scores are checked: `rules` or the ensemble config that scored them. Default `rules`. */
  overseer?: string;
  /** The environment of every file, instead of the one each episode records. */
  env?: EnvRef;
  /** The verdict cache to verify from, overriding each judge's own (a validator's copy). */
  cacheDir?: string;
}

/** An episode checked: how many so far, and whether its score was re-derived. */
export interface VerifyScoresProgress {
  done: number;
  total: number;
  file: string;
  ok: boolean;
}

export interface VerifyScoresResult {
  /** Each file reached, in order: verified, or why not (with a hint when the check could not run). */
  results: VerifiedFile[];
  /** Content hash of the overseer config the scores were looked up by. */
  overseer: string;
  /** Files whose committed score could not be re-derived. */
  failed: number;
  /** The signal stopped it between episodes: `results` covers the files checked so far. */
  interrupted: boolean;
}

/**
 * Checks the scores episodes commit, for free: the rules are re-derived by replay and every LLM
 * verdict comes from the verdict cache (judges run cache-only, no request is ever sent); a verdict
 * missing from the cache fails that episode, saying re-judging would cost calls.
 *
 * @example
 * const { failed } = await verifyScores({ files, overseer: 'overseer.json' }); // 0: every score re-derived
 */
export async function verifyScores(
  options: VerifyScoresOptions,
  context: JobContext<VerifyScoresProgress> = {},
): Promise<VerifyScoresResult> {
  const { signal, onProgress } = context;
  const total = options.files.length;
  const { results, overseer, interrupted } = await verifyFiles(options.files, options.overseer ?? 'rules', {
    ...(options.env === undefined ? {} : { source: await jobSource(options.env) }),
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    ...(signal ? { signal } : {}),
    ...(onProgress
      ? { onVerified: (done: number, r: VerifiedFile) => onProgress({ done, total, file: r.file, ok: r.ok }) }
      : {}),
  });
  return { results, overseer, failed: results.filter((r) => !r.ok).length, interrupted };
}
