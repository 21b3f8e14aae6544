// The circuit itself, through its witness generator (the committed WebAssembly): it computes every
// signal and checks every constraint, so a batch it refuses has no witness, and so no proof. The
// vectors are accepted (the circuit agrees with the TypeScript leaf and tree); every private leaf
// field changed alone is refused; so are the unsafe witnesses each tightened constraint is there
// for. Public inputs that only bind (chain, escrow, job, provider, payout) are tested on a proof,
// in prove.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poseidon7 } from 'poseidon-lite';
import { wtns } from 'snarkjs';
import { loadArtifacts } from './artifacts.ts';
import { settlementInputs } from './inputs.ts';
import { FIELD_ORDER, leafSignals, settlementLeaf } from './leaf.ts';
import { episodesTree } from './tree.ts';
import { VECTOR_CONTEXT, VECTOR_LEAVES } from './vectors.ts';

const artifacts = loadArtifacts(16);
const base = settlementInputs({ ...VECTOR_CONTEXT, leaves: VECTOR_LEAVES, n: 16 }).witnessInput;
type Input = Record<string, string | string[]>;

/** Why the witness generator refused `input` (the failed constraint's templates), or undefined if it did not. */
async function refusal(input: Input): Promise<string | undefined> {
  try {
    await wtns.calculate(input, artifacts.wasm, { type: 'mem' });
    return undefined;
  } catch (e) {
    // circom's witness generator reports a failed `===` this way, with the template stack.
    const message = String((e as Error).message);
    if (/Assert Failed|Error in template/i.test(message)) return message;
    throw e;
  }
}
const accepted = async (input: Input) => (await refusal(input)) === undefined;

/** `input` with private column `name` set to `value` at leaf `i`. */
const withLeaf = (input: Input, name: string, i: number, value: bigint | string): Input => {
  const column = [...(input[name] as string[])];
  column[i] = value.toString();
  return { ...input, [name]: column };
};
const withPublic = (input: Input, name: string, value: bigint | string): Input => ({
  ...input,
  [name]: value.toString(),
});
const num = (input: Input, name: string) => BigInt(input[name] as string);

test('the circuit accepts the shared vectors: it computes the TypeScript root, counts and total', async () => {
  assert.equal(await accepted(base), true);
});

test('every private leaf field, changed alone, is refused', async () => {
  for (const field of [
    'rootHigh',
    'rootLow',
    'taskIndex',
    'envReturn',
    'score',
    'steps',
    'outcome',
    'isEmpty',
  ]) {
    const now = BigInt((base[field] as string[])[0]!);
    const changed = field === 'outcome' ? 0n : field === 'isEmpty' ? 1n : now + 1n;
    assert.equal(await accepted(withLeaf(base, field, 0, changed)), false, field);
  }
});

test('every public input the circuit computes, changed alone, is refused', async () => {
  for (const name of ['episodesRootHigh', 'episodesRootLow', 'episodeCount', 'passCount', 'totalScore'])
    assert.equal(await accepted(withPublic(base, name, num(base, name) + 1n)), false, name);
});

test('a padding leaf cannot be counted, scored or placed before an episode', async () => {
  // Counted: a sixth episode claimed on padding.
  assert.equal(await accepted(withPublic(base, 'episodeCount', 6n)), false);
  // Scored: padding carrying a score (and the total claiming it).
  const scored = withPublic(withLeaf(base, 'score', 10, 5n), 'totalScore', num(base, 'totalScore') + 5n);
  assert.match(
    (await refusal(scored)) ?? 'accepted',
    /SettlementLeaf/,
    'refused by the leaf: padding holds nothing',
  );
  // A padding flag that is not a bit.
  assert.equal(await accepted(withLeaf(base, 'isEmpty', 10, 2n)), false);
  // Padding in the middle: leaf 4 made padding (fields zeroed) while leaf 5 stays padding is fine
  // only at the end; an episode after padding is refused.
  let gap = base;
  for (const f of ['rootHigh', 'rootLow', 'taskIndex', 'envReturn', 'score', 'steps', 'outcome'])
    gap = withLeaf(gap, f, 5, (gap[f] as string[])[4]!);
  for (const f of ['rootHigh', 'rootLow', 'taskIndex', 'envReturn', 'score', 'steps', 'outcome'])
    gap = withLeaf(gap, f, 4, 0n);
  gap = withLeaf(withLeaf(gap, 'isEmpty', 4, 1n), 'isEmpty', 5, 0n);
  assert.equal(await accepted(gap), false);
});

test('signed micro-units cannot wrap the field', async () => {
  // A "score" of p − 2^70: −2^70 as a signed number, outside the 64-bit range. Unchecked, it
  // would let one leaf cancel another's negative score, or make a huge total.
  const wrapped = FIELD_ORDER - (1n << 70n);
  const delta = wrapped - BigInt((base.score as string[])[0]!);
  const total = (num(base, 'totalScore') + delta) % FIELD_ORDER;
  const why = await refusal(withPublic(withLeaf(base, 'score', 0, wrapped), 'totalScore', total));
  assert.match(why ?? 'accepted', /SignedMicros/, 'refused by the signed range check, before any sum');
  // A single negative episode whose total is negative: total = p − 1 as a field element.
  const one = settlementInputs({ ...VECTOR_CONTEXT, leaves: [VECTOR_LEAVES[0]!], n: 16 }).witnessInput;
  const negative = withPublic(withLeaf(one, 'score', 0, FIELD_ORDER - 1n), 'totalScore', FIELD_ORDER - 1n);
  assert.equal(await accepted(negative), false);
  // A step count or task index beyond 32 bits.
  assert.equal(await accepted(withLeaf(base, 'steps', 0, 1n << 32n)), false);
  // An outcome that is not 0, 1 or 2.
  assert.equal(await accepted(withLeaf(base, 'outcome', 0, 3n)), false);
});

test("an episode root's limb of 2^128 or more is refused, though the tree and totals agree with it", async () => {
  // Leaf 0 rebuilt over limbs (high, low), the tree and the public root recomputed over it: a
  // witness the circuit refuses only if it refuses the limbs themselves. Before the limbs were
  // range-checked, such a witness was accepted: (high − 1, low + 2^128) is the same 256-bit number
  // as the canonical split, yet another leaf, so one episode could hide behind two leaves.
  const s = leafSignals(VECTOR_LEAVES[0]!);
  const withLimbs = (high: bigint, low: bigint): Input => {
    const leaf = poseidon7([high, low, s.taskIndex, s.envReturn, s.score, s.steps, s.outcome]);
    const tree = episodesTree([leaf, ...VECTOR_LEAVES.slice(1).map(settlementLeaf)], 16);
    const input = withLeaf(withLeaf(base, 'rootHigh', 0, high), 'rootLow', 0, low);
    return withPublic(withPublic(input, 'episodesRootHigh', tree.rootHigh), 'episodesRootLow', tree.rootLow);
  };
  // The construction is sound: with in-range limbs (the canonical split, and another 256-bit root)
  // it gives witnesses the circuit accepts.
  assert.equal(await accepted(withLimbs(s.rootHigh, s.rootLow)), true);
  assert.equal(await accepted(withLimbs(s.rootHigh + 1n, s.rootLow)), true);
  assert.ok(s.rootHigh > 0n);
  for (const [high, low] of [
    [s.rootHigh - 1n, s.rootLow + (1n << 128n)],
    [s.rootHigh + (1n << 128n), s.rootLow],
    [s.rootHigh, FIELD_ORDER - 1n],
  ]) {
    const why = await refusal(withLimbs(high!, low!));
    assert.match(why ?? 'accepted', /Num2Bits[\s\S]*SettlementLeaf/, `limbs (${high}, ${low})`);
  }
});

test('the root has one split: the aliased halves of root + p are refused', async () => {
  // root + p has a second 254-bit split only when root < 2^254 − p: find such a batch (the
  // search is deterministic, and a few task indices suffice).
  let input: Input | undefined;
  for (let t = 0; input === undefined; t++) {
    const candidate = settlementInputs({
      ...VECTOR_CONTEXT,
      leaves: [{ ...VECTOR_LEAVES[0]!, taskIndex: t }],
      n: 16,
    });
    if (candidate.tree.root + FIELD_ORDER < 1n << 254n) input = candidate.witnessInput;
  }
  assert.equal(await accepted(input), true);
  const alias = (num(input, 'episodesRootHigh') << 128n) + num(input, 'episodesRootLow') + FIELD_ORDER;
  const aliased = withPublic(
    withPublic(input, 'episodesRootHigh', alias >> 128n),
    'episodesRootLow',
    alias & ((1n << 128n) - 1n),
  );
  assert.equal(await accepted(aliased), false);
  // Addresses are 160 bits: an escrow of 2^160 is refused.
  assert.equal(await accepted(withPublic(base, 'escrow', 1n << 160n)), false);
});

test('passing is terminated with a positive return: claiming a cut or zero-return episode as passing is refused', async () => {
  // The vectors have one passing episode; claiming two (leaf 2 is terminated with return 0, leaf 1 is cut).
  assert.equal(await accepted(withPublic(base, 'passCount', 2n)), false);
});
