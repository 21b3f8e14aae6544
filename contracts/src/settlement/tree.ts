import { poseidon4 } from 'poseidon-lite';
import { SettlementError } from './errors.ts';
import { PADDING_LEAF } from './leaf.ts';

/** Children per node of the episodes tree. */
export const TREE_ARITY = 4;

/**
 * One leaf's authentication path: at each level from the leaves up, the node's three siblings in
 * order, left to right without the node itself; base-4 digit k of `index` is the node's position
 * among its four at level k.
 */
export interface LeafPath {
  index: number;
  leaf: bigint;
  siblings: bigint[][];
}

export interface EpisodesTree {
  /** Leaves in the tree (a power of 4): the episodes in order, then padding. */
  n: number;
  /** Levels of nodes above the leaves: n = 4^depth. */
  depth: number;
  /** The padded leaves. */
  leaves: bigint[];
  /** The Poseidon Merkle root (a field element). */
  root: bigint;
  /** The root's top and low 128 bits, as the contract stores it in one bytes32 and the circuit takes it. */
  rootHigh: bigint;
  rootLow: bigint;
  /** The root as the escrow's bytes32 (0x + 64 hex digits). */
  rootHex: `0x${string}`;
  /** The path that proves leaf `index` is in this root (for a challenge of one episode). */
  path(index: number): LeafPath;
}

/** Whether `n` is a batch size the tree (and so the circuit) takes: 4, 16, 64, … */
export function isTreeSize(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < TREE_ARITY) return false;
  let m = n;
  while (m % TREE_ARITY === 0) m /= TREE_ARITY;
  return m === 1;
}

/**
 * The episodes tree of a batch: a 4-ary Poseidon Merkle tree over `n` leaves (the episodes'
 * leaves in order, then `PADDING_LEAF`), node = Poseidon(c0, c1, c2, c3) over four consecutive
 * nodes of the level below, as circomlib's `Poseidon(4)` (the circuit's tree: four children a node
 * make its hashing cheap enough for the limbs' range checks).
 *
 * @example
 * const tree = episodesTree(leaves.map(settlementLeaf), 16);
 * verifyLeafPath(tree.path(3), tree.root); // true
 */
export function episodesTree(leaves: bigint[], n: number): EpisodesTree {
  if (!isTreeSize(n))
    throw new SettlementError(
      'BATCH_TOO_LARGE',
      `a tree of ${n} leaves: the batch size is a power of 4 ≥ 4`,
      {
        details: { n },
        hint: 'the circuits exist for 16 and 64 leaves',
      },
    );
  if (leaves.length > n)
    throw new SettlementError('BATCH_TOO_LARGE', `${leaves.length} leaves do not fit a tree of ${n}`, {
      details: { leaves: leaves.length, n },
      hint: 'split the run into batches of n episodes: one proof per batch',
    });
  const padded = [...leaves, ...Array<bigint>(n - leaves.length).fill(PADDING_LEAF)];
  const levels: bigint[][] = [padded];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const above: bigint[] = [];
    for (let i = 0; i < below.length; i += TREE_ARITY) above.push(poseidon4(below.slice(i, i + TREE_ARITY)));
    levels.push(above);
  }
  const root = levels[levels.length - 1]![0]!;
  return {
    n,
    depth: levels.length - 1,
    leaves: padded,
    root,
    rootHigh: root >> 128n,
    rootLow: root & ((1n << 128n) - 1n),
    rootHex: `0x${root.toString(16).padStart(64, '0')}`,
    path(index: number): LeafPath {
      if (!Number.isInteger(index) || index < 0 || index >= n)
        throw new RangeError(`leaf ${index} is not in a tree of ${n}`);
      const siblings = levels.slice(0, -1).map((level, k) => {
        const node = Math.floor(index / TREE_ARITY ** k);
        const first = node - (node % TREE_ARITY);
        return level.slice(first, first + TREE_ARITY).filter((_, j) => first + j !== node);
      });
      return { index, leaf: padded[index]!, siblings };
    },
  };
}

/**
 * Recomputes the root from one leaf and its path: what a challenger (or the contract, with
 * poseidon-solidity) does to show one episode is, or is not, in a submitted root.
 *
 * @example
 * verifyLeafPath(tree.path(0), tree.root); // true
 */
export function verifyLeafPath(path: LeafPath, root: bigint): boolean {
  // An index past the tree would reuse a leaf's path under another number: one leaf, one index.
  if (!Number.isSafeInteger(path.index) || path.index < 0 || path.index >= TREE_ARITY ** path.siblings.length)
    return false;
  let node = path.leaf;
  for (const [k, siblings] of path.siblings.entries()) {
    if (siblings.length !== TREE_ARITY - 1) return false;
    const position = Math.floor(path.index / TREE_ARITY ** k) % TREE_ARITY;
    node = poseidon4([...siblings.slice(0, position), node, ...siblings.slice(position)]);
  }
  return node === root;
}
