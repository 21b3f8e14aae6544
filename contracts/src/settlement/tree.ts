import { poseidon2 } from 'poseidon-lite';
import { SettlementError } from './errors.ts';
import { PADDING_LEAF } from './leaf.ts';

/** One leaf's authentication path: its siblings from the leaf level up (index bit k = side at level k). */
export interface LeafPath {
  index: number;
  leaf: bigint;
  siblings: bigint[];
}

export interface EpisodesTree {
  /** Leaves in the tree (a power of two): the episodes in order, then padding. */
  n: number;
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

/**
 * The episodes tree of a batch: a binary Poseidon Merkle tree over `n` leaves (the episodes'
 * leaves in order, then `PADDING_LEAF`), node = Poseidon(left, right) as circomlib's `Poseidon(2)`.
 *
 * @example
 * const tree = episodesTree(leaves.map(settlementLeaf), 16);
 * verifyLeafPath(tree.path(3), tree.root); // true
 */
export function episodesTree(leaves: bigint[], n: number): EpisodesTree {
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0)
    throw new SettlementError(
      'BATCH_TOO_LARGE',
      `a tree of ${n} leaves: the batch size is a power of two ≥ 2`,
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
    for (let i = 0; i < below.length; i += 2) above.push(poseidon2([below[i]!, below[i + 1]!]));
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
      const siblings = levels.slice(0, -1).map((level, k) => level[(index >> k) ^ 1]!);
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
  let node = path.leaf;
  path.siblings.forEach((sibling, k) => {
    node = ((path.index >> k) & 1) === 0 ? poseidon2([node, sibling]) : poseidon2([sibling, node]);
  });
  return node === root;
}
