import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CIRCUITS_DIR } from './artifacts.ts';
import { SettlementError } from './errors.ts';
import { settlementInputs } from './inputs.ts';
import { FIELD_ORDER, OUTCOME, PADDING_LEAF, settlementLeaf, toField } from './leaf.ts';
import { episodesTree, isTreeSize, verifyLeafPath } from './tree.ts';
import { makeVectors, VECTOR_CONTEXT, VECTOR_LEAVES } from './vectors.ts';

const committed = JSON.parse(readFileSync(`${CIRCUITS_DIR}vectors.json`, 'utf8'));

test('the TypeScript leaf and tree builders reproduce the committed vectors', () => {
  assert.deepEqual(makeVectors(), committed);
  // And independently of makeVectors: each leaf and path from the committed numbers.
  for (const [i, v] of committed.leaves.entries())
    assert.equal(settlementLeaf(VECTOR_LEAVES[i]!).toString(), v.leaf);
  for (const p of committed.batch.paths) {
    const siblings = p.siblings.map((level: string[]) => level.map(BigInt));
    const path = { index: p.index, leaf: BigInt(p.leaf), siblings };
    assert.ok(verifyLeafPath(path, BigInt(committed.batch.root)));
    assert.ok(!verifyLeafPath({ ...path, leaf: path.leaf + 1n }, BigInt(committed.batch.root)));
  }
});

test('a leaf commits to every field: changing any one changes the leaf', () => {
  const base = VECTOR_LEAVES[0]!;
  const leaf = settlementLeaf(base);
  const changed = [
    { ...base, episodeRoot: `${base.episodeRoot.slice(0, 63)}1` },
    { ...base, episodeRoot: `1${base.episodeRoot.slice(1)}` },
    { ...base, taskIndex: 1 },
    { ...base, envReturn: 999_999 },
    { ...base, score: 999_999 },
    { ...base, steps: 4 },
    { ...base, outcome: OUTCOME.cut },
  ];
  for (const c of changed) assert.notEqual(settlementLeaf(c), leaf, JSON.stringify(c));
  assert.notEqual(leaf, PADDING_LEAF);
});

test('fields out of the range the circuit checks are refused with their name', () => {
  const base = VECTOR_LEAVES[0]!;
  const cases: [Partial<typeof base>, string][] = [
    [{ score: 2n ** 63n }, 'score'],
    [{ score: -(2n ** 63n) - 1n }, 'score'],
    [{ envReturn: 2n ** 63n }, 'envReturn'],
    [{ envReturn: 0.5 }, 'envReturn'],
    [{ taskIndex: 2 ** 32 }, 'taskIndex'],
    [{ steps: -1 }, 'steps'],
    [{ outcome: 3 as never }, 'outcome'],
    [{ episodeRoot: 'AB'.repeat(32) }, 'episodeRoot'],
  ];
  for (const [change, field] of cases)
    assert.throws(
      () => settlementLeaf({ ...base, ...change }),
      (e: unknown) => e instanceof SettlementError && e.code === 'LEAF_INVALID' && e.message.includes(field),
      field,
    );
});

test('signed micro-units become field elements as the circuit sees them', () => {
  assert.equal(toField(-1n), FIELD_ORDER - 1n);
  assert.equal(toField(5n), 5n);
});

test('the tree pads with 0, every path verifies, and a batch larger than n is refused', () => {
  const leaves = VECTOR_LEAVES.map(settlementLeaf);
  const tree = episodesTree(leaves, 16);
  assert.equal(tree.depth, 2);
  assert.deepEqual(tree.leaves.slice(5), Array(11).fill(0n));
  for (let i = 0; i < 16; i++) {
    const path = tree.path(i);
    assert.deepEqual(
      path.siblings.map((s) => s.length),
      [3, 3],
    );
    assert.ok(verifyLeafPath(path, tree.root), `leaf ${i}`);
  }
  assert.equal((tree.rootHigh << 128n) + tree.rootLow, tree.root);
  assert.equal(BigInt(tree.rootHex), tree.root);
  assert.notEqual(episodesTree(leaves.slice(0, 4), 16).root, tree.root);
  assert.equal(episodesTree(leaves.slice(0, 4), 4).depth, 1);
  assert.throws(
    () => episodesTree(leaves, 4),
    (e: unknown) => e instanceof SettlementError && e.code === 'BATCH_TOO_LARGE',
  );
  assert.throws(
    () => settlementInputs({ ...VECTOR_CONTEXT, leaves: [...VECTOR_LEAVES, ...VECTOR_LEAVES], n: 4 }),
    (e: unknown) => e instanceof SettlementError && e.code === 'BATCH_TOO_LARGE',
  );
});

test('the tree is 4-ary: a batch size that is not a power of 4 is refused', () => {
  for (const n of [4, 16, 64, 1024]) assert.ok(isTreeSize(n), String(n));
  for (const n of [0, 1, 2, 8, 32, 48, 4.5, -16]) {
    assert.ok(!isTreeSize(n), String(n));
    assert.throws(
      () => episodesTree([], n),
      (e: unknown) => e instanceof SettlementError && e.code === 'BATCH_TOO_LARGE',
      String(n),
    );
  }
});

test('a path proves its own leaf at its own index only', () => {
  const tree = episodesTree(VECTOR_LEAVES.map(settlementLeaf), 16);
  const path = tree.path(2);
  // Another leaf's index, the right index past the tree (2 + 16), siblings in another order, or a
  // level with a sibling missing: none climbs to the root.
  assert.ok(!verifyLeafPath({ ...path, index: 1 }, tree.root));
  assert.ok(!verifyLeafPath({ ...path, index: 18 }, tree.root));
  const [first, ...rest] = path.siblings;
  assert.ok(
    !verifyLeafPath({ ...path, siblings: [[first![1]!, first![0]!, first![2]!], ...rest] }, tree.root),
  );
  assert.ok(!verifyLeafPath({ ...path, siblings: [first!.slice(1), ...rest] }, tree.root));
  assert.ok(verifyLeafPath(path, tree.root));
});

test('a batch whose total score is negative is refused before the prover', () => {
  assert.throws(
    () => settlementInputs({ ...VECTOR_CONTEXT, leaves: [{ ...VECTOR_LEAVES[0]!, score: -1 }] }),
    (e: unknown) => e instanceof SettlementError && e.code === 'WITNESS_REFUSED',
  );
});
