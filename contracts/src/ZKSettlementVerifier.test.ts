// ZKSettlementVerifier's checks before any pairing, on anvil with the committed verifier: input count,
// inputs and coordinates in their fields, the proof's length; a well-formed false proof reverts (never a
// silent false). Real proofs through the escrow are in ZKSettlementVerifier.e2e.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeAbiParameters, encodePacked, getContract, type Hex, keccak256 } from 'viem';
import { createHarness, type Harness, reverts } from '../test/harness.ts';
import { zkSettlementVerifierAbi } from './generated/index.ts';

const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

let h: Harness;
before(async () => {
  h = await createHarness({ verifier: 'zk' });
});
after(() => h.close());

const verifier = () =>
  getContract({
    address: h.d.settlementVerifier,
    abi: zkSettlementVerifierAbi,
    client: { public: h.client },
  });

describe('ZKSettlementVerifier.verify', () => {
  it('checks the input count and that every input and coordinate is in its field', async () => {
    const proof = `0x${'00'.repeat(256)}` as Hex;
    const inputs = Array.from({ length: 10 }, (_, i) => BigInt(i));
    await reverts(verifier().read.verify([proof, inputs.slice(0, 9)]), 'PublicInputCount', [9n, 10n]);
    await reverts(verifier().read.verify([proof, [...inputs, 0n]]), 'PublicInputCount', [11n, 10n]);
    await reverts(verifier().read.verify([proof, [...inputs.slice(0, 9), FIELD]]), 'PublicInputOutOfField', [
      9n,
      FIELD,
    ]);
    await reverts(verifier().read.verify(['0x', inputs]), 'ProofLength', [0n, 256n]);
    // The all-zero proof is well-formed and false: a revert, never a silent false.
    await reverts(verifier().read.verify([proof, inputs]), 'ProofRejected', [
      keccak256(encodePacked(['uint256[]'], [inputs])), // abi.encode(uint256[10]): the 10 words, no length
    ]);
    assert.equal(await verifier().read.PUBLIC_INPUTS(), 10n);
    assert.equal(await verifier().read.batchSize(), 16n);
    // The development "proof" (keccak256 of the ABI-encoded inputs) is no proof here.
    const hashProof = keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [inputs]));
    await reverts(verifier().read.verify([hashProof, inputs]), 'ProofLength', [32n, 256n]);
    // A batched proof whose count is out of range, or whose length does not match its count.
    const batched = (k: bigint, words: number) =>
      `0x${32n.toString(16).padStart(64, '0')}${k.toString(16).padStart(64, '0')}${'00'.repeat(32 * words)}` as Hex;
    await reverts(verifier().read.verify([batched(1n, 12), inputs]), 'BatchCount', [1n, 64n]);
    await reverts(verifier().read.verify([batched(65n, 12), inputs]), 'BatchCount', [65n, 64n]);
    await reverts(verifier().read.verify([batched(2n, 12), inputs]), 'ProofLength', [64n + 384n, 64n + 768n]);
  });
});
