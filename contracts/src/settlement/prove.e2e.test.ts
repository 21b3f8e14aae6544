// One real Groth16 proof of the vectors' batch with the committed key: it verifies; every one of
// the 10 public signals changed alone fails (the context the circuit only binds, chain, escrow,
// job, provider and payout, included); a changed proof fails; a malformed one is refused by type.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SettlementError } from './errors.ts';
import { PUBLIC_SIGNAL_NAMES } from './inputs.ts';
import { FIELD_ORDER } from './leaf.ts';
import { proveSettlement, releaseProver, type SettlementProof, verifySettlementProof } from './prove.ts';
import { VECTOR_CONTEXT, VECTOR_LEAVES } from './vectors.ts';

let proven: SettlementProof;
before(async () => {
  proven = await proveSettlement({ ...VECTOR_CONTEXT, leaves: VECTOR_LEAVES });
});
after(releaseProver);

test('the proof verifies, with the public signals the TypeScript builders compute', async () => {
  assert.deepEqual(proven.publicSignals, proven.inputs.publicSignals.map(String));
  assert.equal(await verifySettlementProof(proven.proof, proven.publicSignals), true);
  const { a, b, c, inputs } = proven.calldata;
  assert.deepEqual(inputs.map(String), proven.publicSignals);
  assert.equal(a[0], BigInt(proven.proof.pi_a[0]!));
  // G2 coordinates are swapped within each pair, as the pairing precompile takes them.
  assert.equal(b[0][0], BigInt(proven.proof.pi_b[0]![1]!));
  assert.equal(c[1], BigInt(proven.proof.pi_c[1]!));
  assert.match(proven.calldata.proof, /^0x[0-9a-f]{512}$/);
});

test('each public signal changed alone is refused', async () => {
  for (const [i, name] of PUBLIC_SIGNAL_NAMES.entries()) {
    const changed = proven.publicSignals.map((s, j) =>
      j === i ? ((BigInt(s) + 1n) % FIELD_ORDER).toString() : s,
    );
    assert.equal(await verifySettlementProof(proven.proof, changed), false, name);
  }
});

test('a changed proof is refused; a malformed one is PROOF_MALFORMED', async () => {
  const p = structuredClone(proven.proof);
  p.pi_c[0] = (BigInt(p.pi_c[0]!) + 1n).toString();
  assert.equal(await verifySettlementProof(p, proven.publicSignals), false);
  const swapped = { ...proven.proof, pi_a: proven.proof.pi_c, pi_c: proven.proof.pi_a };
  assert.equal(await verifySettlementProof(swapped, proven.publicSignals), false);
  for (const [proof, signals] of [
    [{ ...proven.proof, pi_a: ['1', '2'] }, proven.publicSignals],
    [{ ...proven.proof, protocol: 'plonk' }, proven.publicSignals],
    [proven.proof, proven.publicSignals.slice(1)],
    [proven.proof, proven.publicSignals.map((s, i) => (i === 0 ? '0x7a69' : s))],
  ] as const)
    await assert.rejects(
      verifySettlementProof(proof, signals, { source: 'proof.json' }),
      (e: unknown) =>
        e instanceof SettlementError && e.code === 'PROOF_MALFORMED' && e.message.startsWith('proof.json: '),
    );
});
