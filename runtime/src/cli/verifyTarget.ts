/**
 * How `palestra verify` reads its one argument: a run folder or a job id (see `verifyTarget`). Apart
 * from the command's registration so that `--help` loads none of it.
 */
import { statSync } from 'node:fs';
import { VerifyError } from '../jobs/verifyErrors.ts';
import { JOB_ID, type VerifyFlags } from './verify.ts';

/** What `palestra verify` checks: a run (with or without a job), or a job whose run is looked for. */
export type VerifyTarget =
  | { kind: 'run'; run: string; jobId?: bigint; note?: string }
  | { kind: 'job'; jobId: bigint; runsDir?: string };

const isFolder = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

/**
 * Reads the argument of `palestra verify`: an existing folder is a run (even when its name is also
 * a job id, as `1` would be: then `note` says how to mean the job); otherwise a job id
 * (a whole number ≥ 1, as `--job` takes it). `--job` alone means the job too. `--runs` only goes
 * with a job whose run is to be found. Throws `VERIFY_TARGET_INVALID`,
 * naming the argument.
 *
 * @example
 * verifyTarget('runs/echo', { job: 1n })   // { kind: 'run', run: 'runs/echo', jobId: 1n }
 * verifyTarget('7', {})                     // { kind: 'job', jobId: 7n } (no folder named 7 here)
 * verifyTarget(undefined, { job: 7n })      // { kind: 'job', jobId: 7n }
 */
export function verifyTarget(
  arg: string | undefined,
  flags: Pick<VerifyFlags, 'job' | 'runs'>,
  folder: (path: string) => boolean = isFolder,
): VerifyTarget {
  const runsOnly = () =>
    new VerifyError('VERIFY_TARGET_INVALID', `--runs goes with a job id; ${arg} is the run folder itself`, {
      hint: `drop --runs: palestra verify ${arg}${flags.job ? ` --job ${flags.job}` : ''}`,
    });
  if (arg === undefined) {
    if (flags.job === undefined)
      throw new VerifyError('VERIFY_TARGET_INVALID', 'give a run folder or a job id to verify', {
        hint: 'palestra verify <run> · palestra verify <job id> · palestra verify --help',
      });
    return { kind: 'job', jobId: flags.job, ...(flags.runs ? { runsDir: flags.runs } : {}) };
  }
  if (folder(arg)) {
    if (flags.runs !== undefined) throw runsOnly();
    const note =
      JOB_ID.test(arg) && flags.job === undefined
        ? `${arg} is a folder here, so it is verified as a run; for job ${arg} write: palestra verify --job ${arg}`
        : undefined;
    return {
      kind: 'run',
      run: arg,
      ...(flags.job === undefined ? {} : { jobId: flags.job }),
      ...(note ? { note } : {}),
    };
  }
  if (JOB_ID.test(arg)) {
    const jobId = BigInt(arg);
    if (flags.job !== undefined && flags.job !== jobId)
      throw new VerifyError('VERIFY_TARGET_INVALID', `job ${arg} and --job ${flags.job} name two jobs`, {
        hint: `give one: palestra verify ${arg}`,
      });
    return { kind: 'job', jobId, ...(flags.runs ? { runsDir: flags.runs } : {}) };
  }
  throw new VerifyError('VERIFY_TARGET_INVALID', `${arg} is neither a run folder nor a job id`, {
    details: { argument: arg },
    hint: 'give the folder palestra prove wrote its files into, or a job id (a whole number ≥ 1)',
  });
}
