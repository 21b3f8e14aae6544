/**
 * The settlement proof's public inputs, as `TrainingEscrow.settlementInputs` builds them, and the proof
 * the test verifier accepts. The Groth16 circuit (a later issue) will prove over the same inputs.
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem';

export interface SettlementClaim {
  jobId: bigint;
  provider: Hex;
  episodesRoot: Hex;
  totalScore: bigint;
  payout: bigint;
}

const MASK_128 = (1n << 128n) - 1n;

/** [job id, provider, episodes root high 128 bits, low 128 bits, total score, payout]. */
export function settlementInputs(c: SettlementClaim): bigint[] {
  const root = BigInt(c.episodesRoot);
  return [c.jobId, BigInt(c.provider), root >> 128n, root & MASK_128, c.totalScore, c.payout];
}

/**
 * The "proof" TestSettlementVerifier accepts: keccak256 of the ABI-encoded inputs. Development only.
 *
 * @example
 * const proof = settlementProof({ jobId: 1n, provider, episodesRoot, totalScore: 10n, payout });
 */
export function settlementProof(c: SettlementClaim): Hex {
  return keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [settlementInputs(c)]));
}
