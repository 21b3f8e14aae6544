/**
 * `palestra verify <job id>`: a checker handed only a job id (read on chain, on a marketplace page,
 * in a dispute) checks it end to end. Two on-chain layers come first:
 *   job         the job exists on the chain of chain.json and has a submitted result
 *   submission  the proof its submitting transaction carried holds, asked again of the job's own
 *               verifier contract, for the public inputs the escrow built from the record; that
 *               verifier must be the one chain.json names (not the development placeholder), and
 *               the transaction a direct `submitResult` call to the escrow, or the proof is unknown
 * then the run: the one named, else the run under the runs folder whose proof files carry exactly
 * that submission (`findProvenRun`), checked by every layer of `verifyRun` with the job (records,
 * replay, scores, leaves, proof, chain). When no run can be checked, each run layer fails with the
 * reason: a layer that could not be checked never passes.
 *
 * @example
 * const r = await verifyJob({ jobId: 1n, runsDir: '.palestra/runs' });
 * r.run; // the run folder found; r.layers: job, submission, records, …, chain
 */
import { PalestraError } from '@palestra/envs';
import { findProvenRun } from './findProvenRun.ts';
import type { JobContext } from './job.ts';
import { checkStoredProof, type JobSubmission, readJobSubmission } from './jobSubmission.ts';
import { VerifyError } from './verifyErrors.ts';
import {
  type LayerName,
  type LayerVerdict,
  RUN_LAYERS,
  type VerifyRunProgress,
  type VerifyRunResult,
  verifyRun,
} from './verifyRun.ts';

/** The runs folder `palestra run` and `rollout` write under by default. */
export const DEFAULT_RUNS_DIR = '.palestra/runs';

export interface VerifyJobOptions {
  jobId: bigint;
  /** The run to check against the job; found under `runsDir` when not given. */
  run?: string;
  /** Where to look for the run (default `.palestra/runs`). */
  runsDir?: string;
  /** The chain's folder (`chain.json`; default `.palestra/chain`). */
  chainDir?: string;
  /** As in `verifyRun`. */
  overseer?: string;
  cacheDir?: string;
}

export interface VerifyJobResult extends Omit<VerifyRunResult, 'run'> {
  jobId: bigint;
  /** The run checked: the one given, or the one found; undefined when none was. */
  run?: string;
  /** How the run was chosen: given, or found under the runs folder with every signal equal or the root only. */
  runFrom?: 'given' | 'exact' | 'root';
  /** The job's submission as the chain holds it, when it could be read. */
  submission?: JobSubmission;
}

const message = (e: unknown) => (e instanceof PalestraError ? `${e.code}: ${e.message}` : String(e));
const hintOf = (e: unknown) => (e instanceof PalestraError && e.hint ? { hint: e.hint } : {});

/**
 * The submission layer's verdict when the job's verifier cannot vouch for a proof, else undefined.
 * Its answer is worth what its code is: chain.json names the verifier deployed for the committed
 * circuit. The development placeholder accepts any proof; a job opened after the escrow's owner
 * changed its verifier (setVerifier) is checked by a contract nothing here vouches for.
 */
function untrustedVerifier(s: JobSubmission): LayerVerdict | undefined {
  const verdict = { layer: 'submission', verdict: 'failed', checked: `verifier ${s.verifier}` } as const;
  if (s.placeholderVerifier)
    return {
      ...verdict,
      discrepancy: `the job's verifier ${s.verifier} is the development placeholder: it accepts any proof, so the submission was never checked`,
      hint: 'open jobs on a chain whose escrow uses ZKSettlementVerifier (palestra chain up deploys it)',
    };
  if (s.verifier !== s.settlementVerifier)
    return {
      ...verdict,
      discrepancy: `job ${s.jobId} was opened with verifier ${s.verifier}, not ${s.settlementVerifier}, the settlement verifier chain.json names: what it accepts is not known to be a proof of the committed circuit`,
      hint: `verify the run itself (palestra verify <run> --job ${s.jobId}): its proof layer checks the proof with the committed verification key`,
    };
  return undefined;
}

/** The on-chain layers: the job and its record, then the stored proof against the job's verifier. */
async function chainLayers(
  options: VerifyJobOptions,
): Promise<{ layers: LayerVerdict[]; submission?: JobSubmission }> {
  const jobName = `job ${options.jobId}`;
  let s: JobSubmission;
  try {
    s = await readJobSubmission({
      jobId: options.jobId,
      ...(options.chainDir ? { chainDir: options.chainDir } : {}),
    });
  } catch (e) {
    return {
      layers: [
        { layer: 'job', verdict: 'failed', checked: jobName, discrepancy: message(e), ...hintOf(e) },
        {
          layer: 'submission',
          verdict: 'failed',
          checked: 'the stored proof',
          discrepancy: 'the job could not be read',
        },
      ],
    };
  }
  const where = `${jobName} on escrow ${s.escrow}`;
  if (!s.submitted) {
    const e = new VerifyError('VERIFY_NOT_SUBMITTED', `${where} is ${s.state}: no result was submitted`, {
      hint: 'verify a job once its provider has submitted (palestra submit), or verify the run folder alone',
    });
    return {
      submission: s,
      layers: [
        { layer: 'job', verdict: 'failed', checked: where, discrepancy: message(e), ...hintOf(e) },
        {
          layer: 'submission',
          verdict: 'failed',
          checked: 'the stored proof',
          discrepancy: 'no submission to check',
        },
      ],
    };
  }
  const job: LayerVerdict = {
    layer: 'job',
    verdict: 'ok',
    checked: `${where}: ${s.state}, ${s.submitted.episodes} episodes, root ${s.submitted.episodesRoot.slice(0, 12)}…`,
  };
  const untrusted = untrustedVerifier(s);
  if (untrusted) return { submission: s, layers: [job, untrusted] };
  let stored: { ok: boolean; reason?: string };
  try {
    stored = await checkStoredProof(s);
  } catch (e) {
    stored = { ok: false, reason: message(e) };
  }
  return {
    submission: s,
    layers: [
      job,
      {
        layer: 'submission',
        verdict: stored.ok ? 'ok' : 'failed',
        checked: `the proof sent in ${s.submitted.transactionHash?.slice(0, 12) ?? '?'}…, on verifier ${s.verifier}`,
        ...(stored.reason ? { discrepancy: stored.reason } : {}),
      },
    ],
  };
}

/** Every run layer failed with one reason (no run could be checked). */
function unchecked(e: unknown): LayerVerdict[] {
  return RUN_LAYERS.map((layer, i) =>
    i === 0
      ? { layer, verdict: 'failed', checked: 'no run', discrepancy: message(e), ...hintOf(e) }
      : { layer, verdict: 'failed', checked: 'no run', discrepancy: 'no local run to check (see records)' },
  );
}

/**
 * Verifies job `jobId`: its on-chain record, then the run that produced it (given, or found under
 * the runs folder) with every layer of `verifyRun`. See the file's comment for the layers.
 *
 * @example
 * const r = await verifyJob({ jobId: 1n });
 * if (!r.ok) console.log(r.layers.find((l) => l.verdict !== 'ok'));
 */
export async function verifyJob(
  options: VerifyJobOptions,
  context: JobContext<VerifyRunProgress> = {},
): Promise<VerifyJobResult> {
  const t = performance.now();
  const { layers: onChain, submission } = await chainLayers(options);
  const seconds: Partial<Record<LayerName, number>> = { job: (performance.now() - t) / 1000 };
  const result = (run: Partial<VerifyRunResult>, extra: Partial<VerifyJobResult> = {}): VerifyJobResult => {
    const layers = [...onChain, ...(run.layers ?? [])];
    return {
      jobId: options.jobId,
      ok: layers.every((l) => l.verdict === 'ok'),
      layers,
      episodes: run.episodes ?? 0,
      seconds: { ...seconds, ...run.seconds },
      ...(submission ? { submission } : {}),
      ...extra,
    };
  };
  let run = options.run;
  let runFrom: VerifyJobResult['runFrom'] = 'given';
  if (run === undefined) {
    if (!submission?.submitted)
      return result({
        layers: unchecked(
          new VerifyError(
            'VERIFY_RUN_NOT_FOUND',
            'without a submission there is no episodes root to find a run by',
          ),
        ),
      });
    try {
      const found = findProvenRun({
        runsDir: options.runsDir ?? DEFAULT_RUNS_DIR,
        publicInputs: submission.submitted.publicInputs,
      });
      run = found.run;
      runFrom = found.match;
    } catch (e) {
      return result({ layers: unchecked(e) });
    }
  }
  try {
    const r = await verifyRun(
      {
        run,
        jobId: options.jobId,
        ...(options.chainDir ? { chainDir: options.chainDir } : {}),
        ...(options.overseer ? { overseer: options.overseer } : {}),
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      },
      context,
    );
    return result(r, { run, runFrom });
  } catch (e) {
    // verifyRun throws only for a folder with no episode at all.
    return result({ layers: unchecked(e) }, { run, runFrom });
  }
}
