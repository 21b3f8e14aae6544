// The shared test vectors of the settlement leaf and tree (`contracts/circuits/vectors.json`):
// TypeScript (here), the circuit (`circuit.test.ts`) and Solidity (poseidon-solidity, in the
// escrow's tests) must all agree with them. `tsx contracts/src/settlement/vectors.ts --write`
// rewrites the file; a change to it is a change of format, and every consumer's test says so.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CIRCUITS_DIR } from './artifacts.ts';
import { settlementInputs } from './inputs.ts';
import { OUTCOME, PADDING_LEAF, type SettlementLeafFields, settlementLeaf } from './leaf.ts';

const root = (s: string) => createHash('sha256').update(s).digest('hex');

/** Episodes covering each outcome, signs and the range edges. */
export const VECTOR_LEAVES: SettlementLeafFields[] = [
  {
    episodeRoot: root('episode 0'),
    taskIndex: 0,
    envReturn: 1_000_000,
    score: 1_000_000,
    steps: 3,
    outcome: OUTCOME.terminated,
  },
  {
    episodeRoot: root('episode 1'),
    taskIndex: 7,
    envReturn: -250_000,
    score: 0,
    steps: 20,
    outcome: OUTCOME.cut,
  },
  {
    episodeRoot: root('episode 2'),
    taskIndex: 4_294_967_295,
    envReturn: 0,
    score: 500_000,
    steps: 1,
    outcome: OUTCOME.terminated,
  },
  {
    episodeRoot: root('episode 3'),
    taskIndex: 2,
    envReturn: 2_000_000,
    score: -1_000_001,
    steps: 5,
    outcome: OUTCOME.failed,
  },
  {
    episodeRoot: 'f'.repeat(64),
    taskIndex: 1,
    envReturn: -(2n ** 63n),
    score: 2n ** 63n - 1n,
    steps: 4_294_967_295,
    outcome: OUTCOME.terminated,
  },
];

/** The context the batch vector is bound to (anvil's chain id and first accounts). */
export const VECTOR_CONTEXT = {
  chainId: 31337,
  escrow: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  jobId: 1,
  provider: '0x70997970C51812dc3A010C7d01b93b4dC79C8720',
  payout: 1_234_500_000_000_000_000n,
} as const;

const str = (fields: SettlementLeafFields) => ({
  ...fields,
  envReturn: String(fields.envReturn),
  score: String(fields.score),
});

/** The vectors, as JSON-ready values (every big number a decimal string). */
export function makeVectors() {
  const batch = settlementInputs({ ...VECTOR_CONTEXT, leaves: VECTOR_LEAVES, n: 16 });
  return {
    about:
      'Settlement leaf and tree vectors (DESIGN.md "Formats"): leaf = Poseidon(rootHigh, rootLow, taskIndex, envReturn, score, steps, outcome) over BN254, signed micro-units as field elements (p - |x| when negative); node = Poseidon(c0, c1, c2, c3) over four consecutive nodes (a 4-ary tree); padding leaf = 0; a path lists, level by level from the leaves, the three siblings left to right; root split into its top and low 128 bits. Decimal strings.',
    leaves: VECTOR_LEAVES.map((fields) => ({ fields: str(fields), leaf: settlementLeaf(fields).toString() })),
    paddingLeaf: PADDING_LEAF.toString(),
    batch: {
      n: 16,
      context: { ...VECTOR_CONTEXT, payout: VECTOR_CONTEXT.payout.toString() },
      root: batch.tree.root.toString(),
      rootHex: batch.tree.rootHex,
      // Every position among four at one level or another: 0 (0, 0), 4 (0, 1), 6 (2, 1), 15 (3, 3).
      paths: [0, 4, 6, 15].map((i) => {
        const p = batch.tree.path(i);
        return { index: i, leaf: p.leaf.toString(), siblings: p.siblings.map((s) => s.map(String)) };
      }),
      totals: { ...batch.totals, totalScore: batch.totals.totalScore.toString() },
      publicSignals: batch.publicSignals.map(String),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--write')) {
  writeFileSync(`${CIRCUITS_DIR}vectors.json`, `${JSON.stringify(makeVectors(), null, 2)}\n`);
  console.log(`wrote ${CIRCUITS_DIR}vectors.json`);
}
