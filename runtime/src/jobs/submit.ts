/**
 * The submit job: send a proven run's settlement to the escrow (`TrainingEscrow.submitResult`). It
 * reads what `palestra prove` wrote beside the run (proof.json, public.json, calldata.json; for a run
 * of several batches, those of each batch as `settlement.json` lists them), checks them against the
 * run's episodes, the verification key and each other, combines several batches into the verifier's
 * batched form, then hands them to `submitSettlement` (@palestra/contracts), which checks the job and
 * the chain and simulates the call before it sends anything. Every refusal is a typed error naming the
 * file, the run or the job.
 *
 * @example
 * const r = await submit({ run: '.palestra/runs/demo', jobId: 1n, adapterRoot });
 * console.log(r.transactionHash, r.payout);
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ChainTarget,
  ContractsError,
  encodeSettlementBatches,
  type SubmittedSettlement,
  submitSettlement,
} from '@palestra/contracts';
import {
  DEFAULT_BATCH,
  type Groth16Proof,
  parseSettlementProof,
  settlementCalldata,
  verifySettlementProof,
} from '@palestra/contracts/settlement';
import { z } from 'zod';
import type { Job } from './job.ts';
import { throwIfAborted } from './job.ts';

export interface SubmitOptions extends ChainTarget {
  /** The run folder `palestra prove` wrote its files into. */
  run: string;
  jobId: bigint;
  /** The trained adapter's root (0x + 64 hex digits); required unless the job is an evaluation. */
  adapterRoot?: `0x${string}`;
  /** A commitment to the run's metrics (not proven); zero when omitted. */
  metricsRoot?: `0x${string}`;
}

export type SubmitResult = SubmittedSettlement;

/**
 * The files `palestra prove` writes into the run folder for one batch; for several, the same under
 * `batches/<k>/`, listed by `settlement.json`.
 */
export const SETTLEMENT_FILES = {
  proof: 'proof.json',
  publicSignals: 'public.json',
  calldata: 'calldata.json',
  manifest: 'settlement.json',
} as const;

/** The most episodes one submission carries: ZKSettlementVerifier's MAX_BATCHES batches of N. */
export const MAX_SUBMITTED_EPISODES = 64 * DEFAULT_BATCH;

const EPISODE_FILE = /^episode-\d+\.jsonl$/;

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ContractsError('SUBMIT_FILE_MISSING', `${file} cannot be read`, {
      cause,
      details: { file },
      hint: 'make the proof first: palestra prove <run> --job <id>',
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ContractsError('SUBMIT_FILE_INVALID', `${file} is not valid JSON`, {
      cause,
      details: { file },
      hint: 'make it again with palestra prove instead of editing it',
    });
  }
}

/** What one batch's three files hold, parsed (each in the shape snarkjs and `palestra prove` write). */
export interface SettlementFiles {
  proof: Groth16Proof;
  publicSignals: string[];
  signals: bigint[];
  /** `abi.encode(a, b, c)` of proof.json: the bytes the verifier decodes. */
  proofBytes: `0x${string}`;
  /** calldata.json as read. */
  calldata: unknown;
  files: { proof: string; publicSignals: string; calldata: string };
}

/** Reads and parses one batch's proof.json, public.json and calldata.json in `dir`, naming the file at fault. */
export function readSettlementFiles(dir: string): SettlementFiles {
  const files = {
    proof: join(dir, SETTLEMENT_FILES.proof),
    publicSignals: join(dir, SETTLEMENT_FILES.publicSignals),
    calldata: join(dir, SETTLEMENT_FILES.calldata),
  };
  const parsed = parseSettlementProof(readJson(files.proof), readJson(files.publicSignals), files.proof);
  return {
    proof: parsed.proof,
    publicSignals: parsed.publicSignals,
    signals: parsed.publicSignals.map(BigInt),
    proofBytes: settlementCalldata(parsed.proof, parsed.publicSignals).proof,
    calldata: readJson(files.calldata),
    files,
  };
}

const manifestSchema = z.object({
  batches: z
    .array(
      z.object({ files: z.object({ proof: z.string(), publicSignals: z.string(), calldata: z.string() }) }),
    )
    .min(1),
});

/**
 * The folders of the run's batch proofs, in run order: those `settlement.json` lists (one batch: the
 * run folder itself; several: `batches/<k>/`), or the run folder when there is no manifest.
 */
export function batchDirs(run: string): string[] {
  const manifest = join(run, SETTLEMENT_FILES.manifest);
  if (!existsSync(manifest)) return [run];
  const parsed = manifestSchema.safeParse(readJson(manifest));
  if (!parsed.success)
    throw new ContractsError(
      'SUBMIT_FILE_INVALID',
      `${manifest} does not list the batches palestra prove wrote`,
      {
        details: { file: manifest, issue: parsed.error.issues[0]?.message },
        hint: 'make it again with palestra prove instead of editing it',
      },
    );
  return parsed.data.batches.map((b) => {
    const dir = dirname(join(run, b.files.proof));
    for (const [name, file] of Object.entries(b.files))
      if (join(run, file) !== join(dir, SETTLEMENT_FILES[name as keyof typeof b.files]))
        throw new ContractsError(
          'SUBMIT_FILE_INVALID',
          `${manifest}: a batch's files are not together in one folder`,
          {
            details: { file: manifest },
            hint: 'make it again with palestra prove instead of editing it',
          },
        );
    return dir;
  });
}

/** calldata.json is the encoding of proof.json and public.json (a hand edit of it is caught, naming it). */
export function checkCalldataMatches(f: SettlementFiles): void {
  const calldata = f.calldata as { proof?: unknown; inputs?: unknown } | null;
  const inputs = Array.isArray(calldata?.inputs) ? calldata.inputs.map(String) : undefined;
  if (
    typeof calldata?.proof !== 'string' ||
    calldata.proof.toLowerCase() !== f.proofBytes.toLowerCase() ||
    inputs?.join(',') !== f.publicSignals.join(',')
  )
    throw new ContractsError(
      'SUBMIT_FILE_INVALID',
      `${f.files.calldata} is not the encoding of ${SETTLEMENT_FILES.proof} and ${SETTLEMENT_FILES.publicSignals}`,
      {
        details: { file: f.files.calldata },
        hint: 'one of the three files was edited or comes from another proof: make them again with palestra prove',
      },
    );
}

/** The proof verifies against its public signals with the committed verification key. */
export async function checkProofVerifies(f: SettlementFiles): Promise<void> {
  if (!(await verifySettlementProof(f.proof, f.publicSignals, { source: f.files.proof })))
    throw new ContractsError(
      'SUBMIT_PROOF_INVALID',
      `${f.files.proof} does not verify against ${f.files.publicSignals}`,
      {
        details: { proof: f.files.proof, publicSignals: f.files.publicSignals },
        hint: 'a number in one of them was changed, or they come from different proofs: make them again with palestra prove',
      },
    );
}

/**
 * The run holds exactly the episodes the batches count, and no more than one submission carries.
 */
export function checkRunMatchesProofs(run: string, batches: readonly SettlementFiles[]): void {
  let episodes: number;
  try {
    episodes = readdirSync(run).filter((n) => EPISODE_FILE.test(n)).length;
  } catch (cause) {
    throw new ContractsError('SUBMIT_FILE_MISSING', `the run folder ${run} cannot be read`, {
      cause,
      details: { run },
      hint: 'give the folder palestra run (or rollout) wrote, with the proof files beside the episodes',
    });
  }
  if (episodes > MAX_SUBMITTED_EPISODES)
    throw new ContractsError(
      'SUBMIT_RUN_TOO_LARGE',
      `${run} has ${episodes} episodes; one submission carries at most ${MAX_SUBMITTED_EPISODES}`,
      {
        details: { run, episodes, max: MAX_SUBMITTED_EPISODES },
        hint: `a job is settled by at most 64 batch proofs of ${DEFAULT_BATCH} episodes: split the work into several jobs`,
      },
    );
  const proven = batches.reduce((t, b) => t + Number(b.signals[6]), 0);
  if (episodes !== proven)
    throw new ContractsError(
      'SUBMIT_RUN_MISMATCH',
      `${run} has ${episodes} episodes, its proof files prove ${proven}`,
      {
        details: { run, episodes, proven },
        hint: 'the proof is of another run, or episodes were added since: prove the run again',
      },
    );
}

/**
 * Submit the proven result of `run` for `jobId`.
 *
 * @example
 * await submit({ run: 'runs/echo', jobId: 1n, adapterRoot: '0x…' });
 */
export const submit: Job<SubmitOptions, SubmitResult> = async (options, context = {}) => {
  const batches = batchDirs(options.run).map(readSettlementFiles);
  checkRunMatchesProofs(options.run, batches);
  for (const f of batches) {
    await checkProofVerifies(f);
    checkCalldataMatches(f);
  }
  throwIfAborted(context.signal, 'submit');
  // One batch is sent as it is; several in ZKSettlementVerifier's batched form.
  const combined = encodeSettlementBatches(
    batches.map((f) => ({ publicSignals: f.signals, proof: f.proofBytes })),
  );
  const first = batches[0]!;
  return submitSettlement(
    {
      jobId: options.jobId,
      publicSignals: combined.publicSignals,
      proof: combined.proof,
      ...(options.adapterRoot ? { adapterRoot: options.adapterRoot } : {}),
      ...(options.metricsRoot ? { metricsRoot: options.metricsRoot } : {}),
      files:
        batches.length === 1
          ? { publicSignals: first.files.publicSignals, proof: first.files.proof }
          : {
              publicSignals: join(options.run, SETTLEMENT_FILES.manifest),
              proof: join(options.run, SETTLEMENT_FILES.manifest),
            },
    },
    {
      ...(options.chainDir ? { chainDir: options.chainDir } : {}),
      ...(options.privateKey ? { privateKey: options.privateKey } : {}),
    },
  );
};
