import { type Groth16Proof, groth16 } from 'snarkjs';
import { encodeAbiParameters } from 'viem';
import { loadArtifacts } from './artifacts.ts';
import { SettlementError } from './errors.ts';
import { DEFAULT_BATCH, type SettlementBatch, type SettlementInputs, settlementInputs } from './inputs.ts';

export type { Groth16Proof } from 'snarkjs';

/** The arguments of `SettlementGroth16Verifier.verifyProof(a, b, c, inputs)`. */
export interface SettlementCalldata {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
  inputs: bigint[];
  /** `abi.encode(a, b, c)`: the `bytes proof` of `ISettlementVerifier.verify(proof, inputs)`. */
  proof: `0x${string}`;
}

export interface SettlementProof {
  /** snarkjs's proof object (what `proof.json` holds). */
  proof: Groth16Proof;
  /** The 10 public signals as decimal strings (what `public.json` holds). */
  publicSignals: string[];
  calldata: SettlementCalldata;
  /** The batch's tree and totals, as proven. */
  inputs: SettlementInputs;
}

// The shape snarkjs writes, checked by hand: the contracts package does not depend on zod.
const isDecimal = (v: unknown): v is string => typeof v === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(v);
const decimals = (v: unknown, length: number): v is string[] =>
  Array.isArray(v) && v.length === length && v.every(isDecimal);

/** The first thing wrong with a proof object and its public signals, or undefined. */
function proofIssue(proof: unknown, publicSignals: unknown): string | undefined {
  if (typeof proof !== 'object' || proof === null) return 'proof: not an object';
  const p = proof as Record<string, unknown>;
  const extra = Object.keys(p).filter((k) => !['pi_a', 'pi_b', 'pi_c', 'protocol', 'curve'].includes(k));
  if (extra.length > 0) return `proof.${extra[0]}: not a field of a Groth16 proof`;
  if (!decimals(p.pi_a, 3)) return 'proof.pi_a: not 3 decimal integers';
  if (!Array.isArray(p.pi_b) || p.pi_b.length !== 3 || !p.pi_b.every((x) => decimals(x, 2)))
    return 'proof.pi_b: not 3 pairs of decimal integers';
  if (!decimals(p.pi_c, 3)) return 'proof.pi_c: not 3 decimal integers';
  if (p.protocol !== 'groth16') return `proof.protocol: ${JSON.stringify(p.protocol)}, not "groth16"`;
  if (p.curve !== 'bn128') return `proof.curve: ${JSON.stringify(p.curve)}, not "bn128"`;
  if (!Array.isArray(publicSignals) || publicSignals.length !== 10)
    return 'publicSignals: not a list of the 10 public signals';
  const i = publicSignals.findIndex((x) => !isDecimal(x));
  if (i >= 0) return `publicSignals.${i}: ${JSON.stringify(publicSignals[i])} is not a decimal integer`;
  return undefined;
}

/**
 * Parses a proof and its public signals as read from disk (`proof.json`, `public.json`): the shape
 * snarkjs writes, or `PROOF_MALFORMED` naming `source` and the first wrong value.
 *
 * @example
 * const { proof, publicSignals } = parseSettlementProof(JSON.parse(p), JSON.parse(s), 'runs/a/proof.json');
 */
export function parseSettlementProof(
  proof: unknown,
  publicSignals: unknown,
  source = 'the proof',
): { proof: Groth16Proof; publicSignals: string[] } {
  const issue = proofIssue(proof, publicSignals);
  if (issue)
    throw new SettlementError('PROOF_MALFORMED', `${source}: ${issue}`, {
      details: { source },
      hint: 'proof.json and public.json are written by palestra prove; make them again instead of editing them',
    });
  return { proof: proof as Groth16Proof, publicSignals: publicSignals as string[] };
}

/**
 * The verifier call's arguments from a snarkjs proof: G2 coordinates swapped within each pair, as
 * the EVM's pairing precompile (and snarkjs's exported verifier) take them.
 *
 * @example
 * const { a, b, c, inputs } = settlementCalldata(proof, publicSignals);
 */
export function settlementCalldata(proof: Groth16Proof, publicSignals: string[]): SettlementCalldata {
  const n = (s: string | undefined) => BigInt(s ?? '0');
  const a: [bigint, bigint] = [n(proof.pi_a[0]), n(proof.pi_a[1])];
  const b: [[bigint, bigint], [bigint, bigint]] = [
    [n(proof.pi_b[0]?.[1]), n(proof.pi_b[0]?.[0])],
    [n(proof.pi_b[1]?.[1]), n(proof.pi_b[1]?.[0])],
  ];
  const c: [bigint, bigint] = [n(proof.pi_c[0]), n(proof.pi_c[1])];
  const encoded = encodeAbiParameters(
    [{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }],
    [a, b, c],
  );
  return { a, b, c, inputs: publicSignals.map(n), proof: encoded };
}

/**
 * Proves a batch: witness and Groth16 proof with the committed artifacts for `n` leaves
 * (`groth16.fullProve`). A batch the circuit refuses is a `WITNESS_REFUSED` (the TypeScript checks
 * in `settlementInputs` catch the usual causes first, with the field's name).
 *
 * @example
 * const { proof, publicSignals, calldata } = await proveSettlement({ leaves, chainId: 31337, escrow, jobId: 1n, provider, payout });
 */
export async function proveSettlement(batch: SettlementBatch): Promise<SettlementProof> {
  const inputs = settlementInputs(batch);
  const artifacts = loadArtifacts(batch.n ?? DEFAULT_BATCH);
  let out: { proof: Groth16Proof; publicSignals: string[] };
  try {
    out = await groth16.fullProve(inputs.witnessInput, artifacts.wasm, artifacts.zkey);
  } catch (e) {
    throw new SettlementError(
      'WITNESS_REFUSED',
      `the settlement circuit refused the batch: ${(e as Error).message.split('\n')[0]}`,
      {
        cause: e,
        hint: 'a leaf or a public input is out of the circuit’s range; check the episodes and the context',
      },
    );
  }
  return {
    proof: out.proof,
    publicSignals: out.publicSignals,
    calldata: settlementCalldata(out.proof, out.publicSignals),
    inputs,
  };
}

/**
 * Checks a proof locally against the committed verification key for `n` leaves: what the on-chain
 * verifier decides, without a chain. A malformed proof is `PROOF_MALFORMED`; a well-formed proof
 * that does not verify is `false`.
 *
 * @example
 * await verifySettlementProof(proof, publicSignals); // true
 */
export async function verifySettlementProof(
  proof: unknown,
  publicSignals: unknown,
  options: { n?: number; source?: string } = {},
): Promise<boolean> {
  const parsed = parseSettlementProof(proof, publicSignals, options.source);
  const n = options.n ?? DEFAULT_BATCH;
  try {
    return await groth16.verify(loadArtifacts(n).verificationKey, parsed.publicSignals, parsed.proof);
  } catch {
    // snarkjs throws on points that are not on the curve: such a proof verifies nothing.
    return false;
  }
}

/**
 * Ends the prover's worker threads (ffjavascript keeps a pool per process): call it before a
 * command-line process exits, or the threads keep it alive. The next proof starts a new pool.
 */
export async function releaseProver(): Promise<void> {
  const curve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  if (curve) await curve.terminate();
}
