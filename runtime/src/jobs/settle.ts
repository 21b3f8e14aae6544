/**
 * The settlement job (`palestra prove`): from a scored run to Groth16 proofs the escrow accepts.
 * Leaves from the run's episodes (`settleLeaves.ts`), cut into batches of the circuit's size N in
 * run order; each batch proven with its tree, counts and total, bound to the job's chain id,
 * escrow, job id, provider and payout; the files written beside the run.
 *
 * Files. One batch (a run of at most N episodes): `proof.json` (snarkjs's proof), `public.json`
 * (the 10 public signals) and `calldata.json` (`{ a, b, c, inputs, proof }`: the verifier call's
 * arguments and `abi.encode(a, b, c)`), which `palestra submit` sends. More batches: the same three
 * files per batch under `batches/<k>/`. Always `settlement.json`: the overseer, N, the context and
 * each batch's episodes, root and totals, so `palestra verify` knows what was proven.
 *
 * Several batches combine on chain (ZKSettlementVerifier's batched form, `encodeSettlementBatches`
 * in @palestra/contracts): every batch proof binds the same chain, escrow, job, provider and the
 * job's whole payout (quoted for the summed total score); the escrow records as episodes root
 * `keccak256(abi.encode(uint256[] batchRoots))`, and the sums of the batches' counts and scores. A
 * single episode is challenged with its batch's root and its path in that batch's tree.
 *
 * @example
 * const r = await settle({ run: 'runs/echo', jobId: 1n }); // context from the chain in .palestra/chain
 * r.batches[0].root; // 0x…
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_BATCH,
  leafPasses,
  proveSettlement,
  type SettlementCalldata,
  type SettlementContext,
  type SettlementTotals,
} from '@palestra/contracts/settlement';
import type { JobContext } from './job.ts';
import { throwIfAborted } from './job.ts';
import { resolveSettleContext } from './settleContext.ts';
import { SettleError } from './settleErrors.ts';
import { overseerHash, runLeaves } from './settleLeaves.ts';

/** At most this many episodes by default: 64 batch proofs of 16, a few minutes of proving. */
export const DEFAULT_MAX_EPISODES = 1024;

export interface SettleOptions {
  /** The run folder (episode-NNNNNN.jsonl files, scored). */
  run: string;
  /** The escrow's job the proof is for. */
  jobId: bigint;
  /** The overseer whose committed scores are proven: `rules` or its config file. Default `rules`. */
  overseer?: string;
  /** The chain's folder (`chain.json` of `palestra chain up`), read for what is not given below. Default `.palestra/chain`. */
  chainDir?: string;
  chainId?: bigint;
  escrow?: `0x${string}`;
  /** The provider's address (default: the job's provider on chain). */
  provider?: `0x${string}`;
  /** The payout in wei (default: the escrow's `quotePayout` for the run's total score). */
  payout?: bigint;
  /** Refuse runs with more episodes than this. Default 1024. */
  maxEpisodes?: number;
}

/** Where the job is: leaves built, then each batch proven. */
export type SettleProgress =
  | { phase: 'leaves'; episodes: number }
  | { phase: 'proving'; batch: number; batches: number; episodes: number }
  | { phase: 'proven'; batch: number; batches: number; seconds: number };

export interface SettledBatch {
  /** Episode files in this batch, in order (leaf i is file i). */
  episodes: string[];
  /** The batch's Poseidon root, as the escrow's bytes32. */
  root: `0x${string}`;
  totals: SettlementTotals;
  publicSignals: string[];
  calldata: SettlementCalldata;
  /** The files written for it. */
  files: { proof: string; publicSignals: string; calldata: string };
  seconds: number;
}

export interface SettleResult {
  run: string;
  overseer: string;
  n: number;
  context: SettlementContext;
  /** Where each part of the context came from. */
  sources: Record<'chainId' | 'escrow' | 'provider' | 'payout', 'flag' | 'chain'>;
  totals: SettlementTotals;
  batches: SettledBatch[];
  /** settlement.json. */
  manifest: string;
}

const json = (v: unknown) =>
  `${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)}\n`;

/**
 * Proves a scored run for a job and writes the proof files beside it (see the file's comment).
 * Refuses, naming the file: an unscored, truncated or corrupt episode; a run over `maxEpisodes`.
 *
 * @example
 * await settle({ run: 'runs/echo', jobId: 1n, chainId: 31337n, escrow, provider, payout: 10n ** 18n });
 */
export async function settle(
  options: SettleOptions,
  context: JobContext<SettleProgress> = {},
): Promise<SettleResult> {
  const n = DEFAULT_BATCH;
  const overseer = overseerHash(options.overseer ?? 'rules');
  const leaves = runLeaves(options.run, overseer);
  const max = options.maxEpisodes ?? DEFAULT_MAX_EPISODES;
  if (leaves.length > max)
    throw new SettleError(
      'SETTLE_RUN_TOO_LARGE',
      `${options.run} has ${leaves.length} episodes; at most ${max} are settled`,
      {
        details: { run: options.run, episodes: leaves.length, max },
        hint: 'split the run into several jobs, or raise the limit (--max-episodes) if the job allows it',
      },
    );
  context.onProgress?.({ phase: 'leaves', episodes: leaves.length });
  const batches: (typeof leaves)[] = [];
  for (let i = 0; i < leaves.length; i += n) batches.push(leaves.slice(i, i + n));
  // The run's totals come first: the payout the proofs bind is quoted for the whole run's score.
  const totals: SettlementTotals = {
    episodeCount: leaves.length,
    passCount: leaves.filter((l) => leafPasses(l.fields)).length,
    totalScore: leaves.reduce((sum, l) => sum + BigInt(l.fields.score), 0n),
  };
  const { context: ctx, sources } = await resolveSettleContext(options, totals.totalScore);
  const settled: SettledBatch[] = [];
  for (const [k, batch] of batches.entries()) {
    throwIfAborted(context.signal, 'prove');
    context.onProgress?.({ phase: 'proving', batch: k, batches: batches.length, episodes: batch.length });
    const started = performance.now();
    const proof = await proveSettlement({ ...ctx, leaves: batch.map((l) => l.fields), n });
    const dir = batches.length === 1 ? options.run : join(options.run, 'batches', String(k));
    mkdirSync(dir, { recursive: true });
    const files = {
      proof: join(dir, 'proof.json'),
      publicSignals: join(dir, 'public.json'),
      calldata: join(dir, 'calldata.json'),
    };
    writeFileSync(files.proof, json(proof.proof));
    writeFileSync(files.publicSignals, json(proof.publicSignals));
    writeFileSync(files.calldata, json(proof.calldata));
    const seconds = (performance.now() - started) / 1000;
    settled.push({
      episodes: batch.map((l) => l.file),
      root: proof.inputs.tree.rootHex,
      totals: proof.inputs.totals,
      publicSignals: proof.publicSignals,
      calldata: proof.calldata,
      files,
      seconds,
    });
    context.onProgress?.({ phase: 'proven', batch: k, batches: batches.length, seconds });
  }
  const manifest = join(options.run, 'settlement.json');
  writeFileSync(
    manifest,
    json({
      v: 1,
      overseer,
      n,
      jobId: options.jobId,
      context: ctx,
      totals,
      batches: settled.map((b) => ({
        episodes: b.episodes.map((f) => f.slice(options.run.length).replace(/^[/\\]/, '')),
        root: b.root,
        totals: b.totals,
        files: Object.fromEntries(
          Object.entries(b.files).map(([k, f]) => [k, f.slice(options.run.length).replace(/^[/\\]/, '')]),
        ),
      })),
    }),
  );
  return { run: options.run, overseer, n, context: ctx, sources, totals, batches: settled, manifest };
}
