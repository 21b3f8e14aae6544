/**
 * What a settlement proof is bound to besides its leaves: chain id, escrow, job, provider, payout.
 * Each comes from its flag, else from the chain `palestra chain up` describes (`chain.json`): the
 * chain id and escrow from it, the provider from the job (once claimed), the payout from the
 * escrow's own `quotePayout(job, totalScore)`, so the proof binds exactly what `submitResult`
 * computes. A value neither given nor readable is `SETTLE_CONTEXT_MISSING`, naming the flags.
 */
import { readJobSettlementContext, type SettlementContext } from '@palestra/contracts/settlement';
import { SettleError } from './settleErrors.ts';

type Part = 'chainId' | 'escrow' | 'provider' | 'payout';

export interface SettleContextInput {
  jobId: bigint;
  chainDir?: string;
  chainId?: bigint;
  escrow?: `0x${string}`;
  provider?: `0x${string}`;
  payout?: bigint;
}

const flagOf = (k: Part) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * The context of a proof of `totalScore` for `input.jobId`, and where each part came from.
 *
 * @example
 * const { context, sources } = await resolveSettleContext({ jobId: 1n }, 3_000_000n);
 */
export async function resolveSettleContext(
  input: SettleContextInput,
  totalScore: bigint,
): Promise<{ context: SettlementContext; sources: Record<Part, 'flag' | 'chain'> }> {
  const parts = ['chainId', 'escrow', 'provider', 'payout'] as const;
  const missing = parts.filter((k) => input[k] === undefined);
  const sources = Object.fromEntries(parts.map((k) => [k, missing.includes(k) ? 'chain' : 'flag'])) as Record<
    Part,
    'flag' | 'chain'
  >;
  const given = {
    chainId: input.chainId,
    escrow: input.escrow,
    provider: input.provider,
    payout: input.payout,
  };
  if (missing.length > 0) {
    const dir = input.chainDir ?? '.palestra/chain';
    const chain = await readJobSettlementContext({
      jobId: input.jobId,
      totalScore,
      chainDir: dir,
      ...(input.escrow ? { escrow: input.escrow } : {}),
    });
    if (!chain)
      throw new SettleError(
        'SETTLE_CONTEXT_MISSING',
        `no chain to read ${missing.map(flagOf).join(', ')} from: ${dir} has no chain.json`,
        {
          details: { chainDir: dir, missing },
          hint: `start the local chain (palestra chain up), pass --chain-dir, or give ${missing.map(flagOf).join(', ')}`,
        },
      );
    if (input.provider === undefined && chain.provider === null)
      throw new SettleError(
        'SETTLE_CONTEXT_MISSING',
        `job ${input.jobId} has no provider yet: it is not claimed`,
        {
          details: { jobId: String(input.jobId), escrow: chain.escrow },
          hint: 'claim the job first (the proof is bound to the provider that claimed it), or give --provider',
        },
      );
    given.chainId ??= chain.chainId;
    given.escrow ??= chain.escrow;
    given.provider ??= chain.provider!;
    given.payout ??= chain.payout;
  }
  return {
    context: {
      chainId: given.chainId!,
      escrow: given.escrow!,
      jobId: input.jobId,
      provider: given.provider!,
      payout: given.payout!,
    },
    sources,
  };
}
