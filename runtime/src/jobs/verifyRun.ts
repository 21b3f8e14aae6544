/**
 * `palestra verify <run>`: a checker's work by hand, layer by layer, each with a verdict and the
 * first discrepancy it found:
 *   records  every episode file reads, its hash chains hold, it is complete and scored
 *   replay   every episode re-executes to the same steps and root
 *   scores   every committed score is re-derived (rules by replay, verdicts from the cache)
 *   leaves   leaves, trees and totals rebuilt from the episodes equal the proven public signals
 *   proof    each proof verifies against its public signals with the committed verification key,
 *            and calldata.json is their encoding
 *   chain    (with a job id) what the escrow recorded equals the local signals and proof, several
 *            batches combined as submit sends them (`checkSubmissionOnChain` of @palestra/contracts)
 * `verifyJob` runs these with a job id given alone: it reads the job's submission and finds the run.
 * A layer that cannot run because an earlier one failed says so (skipped) rather than passing.
 *
 * @example
 * const r = await verifyRun({ run: 'runs/echo' });
 * r.ok; r.layers.find((l) => !l.ok)?.discrepancy;
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DEFAULT_BATCH,
  parseSettlementProof,
  settlementCalldata,
  settlementInputs,
  verifySettlementProof,
} from '@palestra/contracts/settlement';
import { PalestraError, replay } from '@palestra/envs';
import { episodeEnv } from './env.ts';
import type { JobContext } from './job.ts';
import { SettleError } from './settleErrors.ts';
import { episodeLeaf, overseerHash, type RunLeaf, runEpisodeFiles } from './settleLeaves.ts';
import { verifyScores } from './verifyScores.ts';

// The codes of `palestra verify <job id>` (verifyJob.ts) are this job's too: re-exported here so that
// loading the runtime's index, which exports verifyRun, declares them in the shared registry.
export { VerifyError, type VerifyErrorCode, verifyErrorCodes } from './verifyErrors.ts';

export type LayerName = 'job' | 'submission' | 'records' | 'replay' | 'scores' | 'leaves' | 'proof' | 'chain';

/** The layers that check a run (with a job id, `verifyJob` puts `job` and `submission` before them). */
export const RUN_LAYERS = [
  'records',
  'replay',
  'scores',
  'leaves',
  'proof',
  'chain',
] as const satisfies readonly LayerName[];

export interface LayerVerdict {
  layer: LayerName;
  /** `skipped`: an earlier layer failed, so this one could not run meaningfully. */
  verdict: 'ok' | 'failed' | 'skipped';
  /** What was checked, for the table (e.g. "12 episodes", "2 batches"). */
  checked: string;
  /** The first discrepancy, naming the file, episode or signal. */
  discrepancy?: string;
  hint?: string;
}

export interface VerifyRunOptions {
  run: string;
  /** The overseer whose scores were proven: default the one settlement.json names, else `rules`. */
  overseer?: string;
  /** Also check the escrow's record of this job (the chain in `chainDir`). */
  jobId?: bigint;
  chainDir?: string;
  /** The verdict cache to re-derive LLM verdicts from (a validator's copy). */
  cacheDir?: string;
}

export interface VerifyRunProgress {
  layer: LayerName;
  done: number;
  total: number;
}

export interface VerifyRunResult {
  run: string;
  ok: boolean;
  layers: LayerVerdict[];
  episodes: number;
  /** Seconds per layer, for the benchmark's per-episode cost. */
  seconds: Partial<Record<LayerName, number>>;
}

/** One batch as proven: its files and episodes (from settlement.json, else run order in batches of N). */
interface ProvenBatch {
  dir: string;
  episodes: string[];
}

const message = (e: unknown) => (e instanceof PalestraError ? `${e.code}: ${e.message}` : String(e));

function readJson(file: string): unknown {
  if (!existsSync(file))
    throw new SettleError('SETTLE_FILE_INVALID', `${file} is missing`, {
      details: { file },
      hint: 'prove the run first: palestra prove <run> --job <id>',
    });
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new SettleError('SETTLE_FILE_INVALID', `${file} is not valid JSON`, {
      cause,
      details: { file },
      hint: 'make it again with palestra prove instead of editing it',
    });
  }
}

/** The manifest palestra prove wrote, if any: the overseer and each batch's episodes. */
function readManifest(
  run: string,
): { overseer?: string; batches?: { episodes: string[]; files: { proof: string } }[] } | undefined {
  const file = join(run, 'settlement.json');
  if (!existsSync(file)) return undefined;
  const m = readJson(file) as { overseer?: unknown; batches?: unknown };
  return {
    ...(typeof m.overseer === 'string' ? { overseer: m.overseer } : {}),
    ...(Array.isArray(m.batches)
      ? { batches: m.batches as { episodes: string[]; files: { proof: string } }[] }
      : {}),
  };
}

function provenBatches(
  run: string,
  files: string[],
  manifest: ReturnType<typeof readManifest>,
): ProvenBatch[] {
  if (manifest?.batches && manifest.batches.length > 0)
    return manifest.batches.map((b) => ({
      dir: join(run, dirname(b.files.proof)),
      episodes: b.episodes.map((e) => join(run, e)),
    }));
  const batches: ProvenBatch[] = [];
  for (let i = 0; i < files.length; i += DEFAULT_BATCH)
    batches.push({ dir: run, episodes: files.slice(i, i + DEFAULT_BATCH) });
  if (batches.length > 1) for (const [k, b] of batches.entries()) b.dir = join(run, 'batches', String(k));
  return batches;
}

/**
 * Verifies a proven run: see the file's comment for the layers. It throws only when the run
 * folder has no episode at all; everything else is a verdict.
 */
export async function verifyRun(
  options: VerifyRunOptions,
  context: JobContext<VerifyRunProgress> = {},
): Promise<VerifyRunResult> {
  const { run } = options;
  const files = runEpisodeFiles(run);
  const layers: LayerVerdict[] = [];
  const seconds: Partial<Record<LayerName, number>> = {};
  const timed = async <T>(layer: LayerName, f: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      seconds[layer] = (performance.now() - t) / 1000;
    }
  };
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(run);
  } catch (e) {
    manifest = undefined;
    layers.push({ layer: 'records', verdict: 'failed', checked: 'settlement.json', discrepancy: message(e) });
  }
  const overseerSpec = options.overseer ?? 'rules';
  const overseer =
    options.overseer === undefined && manifest?.overseer ? manifest.overseer : overseerHash(overseerSpec);

  // records
  const leaves = new Map<string, RunLeaf>();
  await timed('records', () => {
    let first: LayerVerdict | undefined;
    for (const [i, file] of files.entries()) {
      try {
        leaves.set(file, episodeLeaf(file, overseer));
      } catch (e) {
        first ??= {
          layer: 'records',
          verdict: 'failed',
          checked: `${files.length} episodes`,
          discrepancy: message(e),
          ...(e instanceof PalestraError && e.hint ? { hint: e.hint } : {}),
        };
      }
      context.onProgress?.({ layer: 'records', done: i + 1, total: files.length });
    }
    layers.push(first ?? { layer: 'records', verdict: 'ok', checked: `${files.length} episodes` });
  });
  const recordsOk = leaves.size === files.length;

  // replay
  await timed('replay', async () => {
    let first: string | undefined;
    let done = 0;
    for (const [file, leaf] of leaves) {
      try {
        const { source } = await episodeEnv(leaf.episode);
        await replay(source, leaf.episode);
      } catch (e) {
        first ??= `${file}: ${message(e)}`;
      }
      context.onProgress?.({ layer: 'replay', done: ++done, total: leaves.size });
    }
    layers.push({
      layer: 'replay',
      verdict: first ? 'failed' : recordsOk ? 'ok' : 'skipped',
      checked: `${leaves.size} episodes`,
      ...(first
        ? { discrepancy: first }
        : recordsOk
          ? {}
          : { discrepancy: 'episodes that failed their records were not replayed' }),
    });
  });

  // scores
  await timed('scores', async () => {
    const readable = [...leaves.keys()];
    const r = await verifyScores(
      {
        files: readable,
        overseer: overseerSpec,
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      },
      { onProgress: (p) => context.onProgress?.({ layer: 'scores', done: p.done, total: p.total }) },
    );
    const bad = r.results.find((x) => !x.ok);
    const sameOverseer = r.overseer === overseer;
    layers.push({
      layer: 'scores',
      verdict: bad || !sameOverseer ? 'failed' : recordsOk ? 'ok' : 'skipped',
      checked: `${readable.length} committed scores`,
      ...(bad
        ? {
            discrepancy: `${bad.file}: ${bad.message ?? 'the committed score is not re-derived'}`,
            ...(bad.hint ? { hint: bad.hint } : {}),
          }
        : !sameOverseer
          ? {
              discrepancy: `the proof is for overseer ${overseer.slice(0, 12)}…, --overseer ${overseerSpec} is ${r.overseer.slice(0, 12)}…`,
            }
          : {}),
    });
  });

  // leaves and proof, batch by batch
  const batches = provenBatches(run, files, manifest);
  let leavesFirst: string | undefined;
  let proofFirst: { discrepancy: string; hint?: string } | undefined;
  const signalsOf: bigint[][] = [];
  const proofsOf: `0x${string}`[] = [];
  const t = performance.now();
  for (const [k, batch] of batches.entries()) {
    const name = batches.length === 1 ? 'the proof' : `batch ${k}`;
    let signals: string[] | undefined;
    try {
      const proofFile = join(batch.dir, 'proof.json');
      const publicFile = join(batch.dir, 'public.json');
      const calldataFile = join(batch.dir, 'calldata.json');
      const parsed = parseSettlementProof(readJson(proofFile), readJson(publicFile), proofFile);
      signals = parsed.publicSignals;
      if (!(await verifySettlementProof(parsed.proof, parsed.publicSignals, { source: proofFile })))
        throw new SettleError('SETTLE_FILE_INVALID', `${proofFile} does not verify against ${publicFile}`, {
          hint: 'a number in one of them was changed, or they come from different proofs: prove the run again',
        });
      const calldata = readJson(calldataFile) as { proof?: unknown; inputs?: unknown };
      const expected = settlementCalldata(parsed.proof, parsed.publicSignals);
      if (
        typeof calldata?.proof !== 'string' ||
        calldata.proof.toLowerCase() !== expected.proof.toLowerCase() ||
        !Array.isArray(calldata.inputs) ||
        calldata.inputs.map(String).join(',') !== parsed.publicSignals.join(',')
      )
        throw new SettleError(
          'SETTLE_FILE_INVALID',
          `${calldataFile} is not the encoding of proof.json and public.json`,
          {
            hint: 'make the three files again with palestra prove',
          },
        );
      signalsOf.push(parsed.publicSignals.map(BigInt));
      proofsOf.push(expected.proof);
    } catch (e) {
      proofFirst ??= {
        discrepancy: message(e),
        ...(e instanceof PalestraError && e.hint ? { hint: e.hint } : {}),
      };
    }
    // Rebuild this batch from its episodes and compare with what was proven.
    const batchLeaves = batch.episodes.map((f) => leaves.get(f));
    if (batchLeaves.some((l) => l === undefined)) {
      leavesFirst ??= `${name}: an episode it proves is missing or failed its records (${batch.episodes.find((f) => !leaves.has(f))})`;
      continue;
    }
    if (!signals) continue;
    const rebuilt = settlementInputs({
      leaves: batchLeaves.map((l) => l!.fields),
      chainId: BigInt(signals[0]!),
      escrow: `0x${BigInt(signals[1]!).toString(16).padStart(40, '0')}`,
      jobId: BigInt(signals[2]!),
      provider: `0x${BigInt(signals[3]!).toString(16).padStart(40, '0')}`,
      payout: BigInt(signals[9]!),
    });
    const names = ['episodesRootHigh', 'episodesRootLow', 'episodeCount', 'passCount', 'totalScore'];
    for (const [j, nm] of names.entries()) {
      const i = j + 4;
      if (rebuilt.publicSignals[i]!.toString() !== signals[i]) {
        leavesFirst ??= `${name}: ${nm} rebuilt from the episodes is ${rebuilt.publicSignals[i]}, public.json proves ${signals[i]}`;
        break;
      }
    }
  }
  // Episodes in the folder that no batch proves (added after proving).
  const proven = new Set(batches.flatMap((b) => b.episodes));
  const unproven = files.find((f) => !proven.has(f));
  if (unproven) leavesFirst ??= `${unproven} is in the run but in no proven batch`;
  seconds.leaves = (performance.now() - t) / 1000;
  layers.push({
    layer: 'leaves',
    verdict: leavesFirst ? 'failed' : proofFirst ? 'skipped' : 'ok',
    checked: `${batches.length} ${batches.length === 1 ? 'batch' : 'batches'} of up to ${DEFAULT_BATCH} leaves`,
    ...(leavesFirst
      ? { discrepancy: leavesFirst }
      : proofFirst
        ? { discrepancy: 'no verified public signals to compare with' }
        : {}),
  });
  layers.push({
    layer: 'proof',
    verdict: proofFirst ? 'failed' : 'ok',
    checked: `${batches.length} Groth16 ${batches.length === 1 ? 'proof' : 'proofs'}`,
    ...(proofFirst
      ? { discrepancy: proofFirst.discrepancy, ...(proofFirst.hint ? { hint: proofFirst.hint } : {}) }
      : {}),
  });

  // chain: the escrow's record of the job (@palestra/contracts' on-chain check).
  if (options.jobId !== undefined)
    await timed('chain', async () => {
      if (proofFirst || signalsOf.length === 0) {
        layers.push({
          layer: 'chain',
          verdict: 'skipped',
          checked: `job ${options.jobId}`,
          discrepancy: 'the local proof did not verify',
        });
        return;
      }
      const { checkSubmissionOnChain, encodeSettlementBatches } = await import('@palestra/contracts');
      try {
        // Several batches go on chain combined (ZKSettlementVerifier's batched form), as submit sends them.
        const sent = encodeSettlementBatches(
          signalsOf.map((publicSignals, k) => ({ publicSignals, proof: proofsOf[k]! })),
        );
        const r = await checkSubmissionOnChain(
          { jobId: options.jobId!, publicSignals: sent.publicSignals, proof: sent.proof },
          options.chainDir ? { chainDir: options.chainDir } : {},
        );
        const d = r.firstDiscrepancy;
        layers.push({
          layer: 'chain',
          verdict: r.ok ? 'ok' : 'failed',
          checked: `job ${options.jobId} on escrow ${r.escrow}`,
          ...(d ? { discrepancy: `${d.name}: expected ${d.expected}, the chain has ${d.found}` } : {}),
        });
      } catch (e) {
        layers.push({
          layer: 'chain',
          verdict: 'failed',
          checked: `job ${options.jobId}`,
          discrepancy: message(e),
        });
      }
    });

  return { run, ok: layers.every((l) => l.verdict === 'ok'), layers, episodes: files.length, seconds };
}
