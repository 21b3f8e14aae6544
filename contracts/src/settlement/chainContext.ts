import { createPublicClient, getAddress, http } from 'viem';
import { trainingEscrowAbi } from '../generated/TrainingEscrow.ts';
import { SettlementError } from './errors.ts';

/** What the chain says a proof for a job must be bound to. */
export interface JobSettlementContext {
  chainId: bigint;
  escrow: `0x${string}`;
  /** The job's provider, or null while the job is not claimed. */
  provider: `0x${string}` | null;
  /** The escrow's `quotePayout(jobId, totalScore)`. */
  payout: bigint;
  rpcUrl: string;
}

const ZERO = '0x0000000000000000000000000000000000000000';

/**
 * Reads a job's settlement context from the chain `chain.json` in `chainDir` describes (`palestra
 * chain up`): chain id, escrow, the job's provider and the payout the escrow computes for
 * `totalScore`. Null when there is no chain.json; `CONTEXT_UNREADABLE` when the chain or the job
 * cannot be read.
 *
 * @example
 * const ctx = await readJobSettlementContext({ jobId: 1n, totalScore: 3_000_000n });
 */
export async function readJobSettlementContext(options: {
  jobId: bigint;
  totalScore: bigint;
  chainDir?: string;
  /** Another escrow than chain.json's. */
  escrow?: `0x${string}`;
}): Promise<JobSettlementContext | null> {
  // The local chain's module (deployment, anvil) loads only when a chain is read: proving with the
  // context given needs none of it.
  const { defaultChainDir, readChainInfo } = await import('../localChain.ts');
  const info = readChainInfo(options.chainDir ?? defaultChainDir);
  if (!info) return null;
  const escrow = getAddress(options.escrow ?? info.contracts.trainingEscrow);
  const client = createPublicClient({ transport: http(info.rpcUrl) });
  try {
    const job = await client.readContract({
      address: escrow,
      abi: trainingEscrowAbi,
      functionName: 'job',
      args: [options.jobId],
    });
    const payout = await client.readContract({
      address: escrow,
      abi: trainingEscrowAbi,
      functionName: 'quotePayout',
      args: [options.jobId, options.totalScore],
    });
    return {
      chainId: BigInt(info.chainId),
      escrow,
      provider: job.provider === ZERO ? null : getAddress(job.provider),
      payout,
      rpcUrl: info.rpcUrl,
    };
  } catch (e) {
    throw new SettlementError(
      'CONTEXT_UNREADABLE',
      `cannot read job ${options.jobId} on escrow ${escrow} at ${info.rpcUrl}: ${(e as Error).message.split('\n')[0]}`,
      {
        cause: e,
        details: { jobId: String(options.jobId), escrow, rpcUrl: info.rpcUrl },
        hint: 'start the chain (palestra chain up) and check the job id; or give the chain id, escrow, provider and payout yourself',
      },
    );
  }
}
