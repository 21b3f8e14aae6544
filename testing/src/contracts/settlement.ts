/**
 * The settlement proof's public inputs, as `TrainingEscrow.settlementInputs` builds them, and the proof
 * the test verifier accepts. The Groth16 circuit proves over the same inputs (ISettlementVerifier's layout).
 */
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem';

export interface SettlementClaim {
  chainId: bigint | number;
  escrow: Address;
  jobId: bigint;
  provider: Address;
  episodesRoot: Hex;
  episodes: bigint;
  passing: bigint;
  totalScore: bigint;
  payout: bigint;
}

const MASK_128 = (1n << 128n) - 1n;

/**
 * [chain id, escrow, job id, provider, episodes root high 128 bits, low 128 bits, episode count,
 * pass count, total score, payout].
 */
export function settlementInputs(c: SettlementClaim): bigint[] {
  const root = BigInt(c.episodesRoot);
  return [
    BigInt(c.chainId),
    BigInt(c.escrow),
    c.jobId,
    BigInt(c.provider),
    root >> 128n,
    root & MASK_128,
    c.episodes,
    c.passing,
    c.totalScore,
    c.payout,
  ];
}

/**
 * The "proof" TestSettlementVerifier accepts: keccak256 of the ABI-encoded inputs. Development only.
 *
 * @example
 * const proof = settlementProof({ chainId: 31337, escrow, jobId: 1n, provider, episodesRoot,
 *   episodes: 16n, passing: 12n, totalScore: 10n, payout });
 */
export function settlementProof(c: SettlementClaim): Hex {
  return keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [settlementInputs(c)]));
}
