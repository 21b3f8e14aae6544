import { SettlementError } from './errors.ts';
import {
  type LeafSignals,
  leafPasses,
  leafSignals,
  PADDING_SIGNALS,
  type SettlementLeafFields,
  settlementLeaf,
} from './leaf.ts';
import { type EpisodesTree, episodesTree } from './tree.ts';

/** The batch size of the committed circuit (its ceremony, its verifier). */
export const DEFAULT_BATCH = 16;

/** What a proof is bound to, besides its leaves: the chain, the escrow, the job, the provider, the payout. */
export interface SettlementContext {
  chainId: bigint | number;
  /** The escrow contract's address. */
  escrow: `0x${string}`;
  jobId: bigint | number;
  /** The provider's address (the account that submits). */
  provider: `0x${string}`;
  /** The payout in wei, as the escrow computes it (`quotePayout`): bound by the proof, not computed by it. */
  payout: bigint | number;
}

export interface SettlementBatch extends SettlementContext {
  /** The episodes' leaf fields, in run order (at most `n`). */
  leaves: SettlementLeafFields[];
  /** Leaves per proof; a circuit and its ceremony exist for this size. Default 16. */
  n?: number;
}

/** The public totals the circuit proves. */
export interface SettlementTotals {
  episodeCount: number;
  passCount: number;
  /** Sum of the leaves' scores, micro-units (≥ 0, or no proof exists). */
  totalScore: bigint;
}

export interface SettlementInputs {
  /**
   * The 10 public signals, in the order the verifier takes them: [chainId, escrow, jobId,
   * provider, episodesRootHigh, episodesRootLow, episodeCount, passCount, totalScore, payout].
   */
  publicSignals: bigint[];
  totals: SettlementTotals;
  tree: EpisodesTree;
  /** Every signal of the circuit (public and private), as `groth16.fullProve` takes it. */
  witnessInput: Record<string, string | string[]>;
}

/** The names of the 10 public signals, in order. */
export const PUBLIC_SIGNAL_NAMES = [
  'chainId',
  'escrow',
  'jobId',
  'provider',
  'episodesRootHigh',
  'episodesRootLow',
  'episodeCount',
  'passCount',
  'totalScore',
  'payout',
] as const;

const address = (name: string, a: string): bigint => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(a))
    throw new SettlementError('LEAF_INVALID', `${name} ${a} is not a 20-byte hex address`, {
      details: { [name]: a },
    });
  return BigInt(a);
};

/**
 * The public signals of a batch (and everything the prover needs): leaves hashed, the tree built,
 * totals summed, the context bound. The escrow builds the same 10 numbers on chain from the job it
 * settles, so a proof verifies only for this chain, escrow, job, provider, root, totals and payout.
 *
 * @example
 * const { publicSignals, tree } = settlementInputs({ leaves, chainId: 31337, escrow, jobId: 1, provider, payout: 10n ** 18n });
 */
export function settlementInputs(batch: SettlementBatch): SettlementInputs {
  const n = batch.n ?? DEFAULT_BATCH;
  if (batch.leaves.length > n)
    throw new SettlementError(
      'BATCH_TOO_LARGE',
      `${batch.leaves.length} episodes do not fit one proof of ${n}`,
      {
        details: { episodes: batch.leaves.length, n },
        hint: `prove the run in batches of ${n} episodes (palestra prove does)`,
      },
    );
  const signals: LeafSignals[] = batch.leaves.map(leafSignals);
  const tree = episodesTree(batch.leaves.map(settlementLeaf), n);
  const totals: SettlementTotals = {
    episodeCount: batch.leaves.length,
    passCount: batch.leaves.filter(leafPasses).length,
    totalScore: batch.leaves.reduce((sum, l) => sum + BigInt(l.score), 0n),
  };
  if (totals.totalScore < 0n)
    throw new SettlementError(
      'WITNESS_REFUSED',
      `the batch's total score is negative (${totals.totalScore} micro-units)`,
      {
        details: { totalScore: String(totals.totalScore) },
        hint: 'the circuit proves a non-negative total: a batch scored below zero earns nothing and cannot be proven',
      },
    );
  const publicSignals = [
    BigInt(batch.chainId),
    address('escrow', batch.escrow),
    BigInt(batch.jobId),
    address('provider', batch.provider),
    tree.rootHigh,
    tree.rootLow,
    BigInt(totals.episodeCount),
    BigInt(totals.passCount),
    totals.totalScore,
    BigInt(batch.payout),
  ];
  const padded = [...signals, ...Array<LeafSignals>(n - signals.length).fill(PADDING_SIGNALS)];
  const column = (k: keyof LeafSignals) => padded.map((s) => s[k].toString());
  const witnessInput: Record<string, string | string[]> = {
    ...Object.fromEntries(PUBLIC_SIGNAL_NAMES.map((name, i) => [name, publicSignals[i]!.toString()])),
    isEmpty: column('isEmpty'),
    rootHigh: column('rootHigh'),
    rootLow: column('rootLow'),
    taskIndex: column('taskIndex'),
    envReturn: column('envReturn'),
    score: column('score'),
    steps: column('steps'),
    outcome: column('outcome'),
  };
  return { publicSignals, totals, tree, witnessInput };
}
