// Real Groth16 proofs (the committed N = 16 circuit and ceremony) verified on anvil through the escrow:
// a proof settles exactly the job, chain, escrow, provider and payout it was made for, and every other
// use reverts with a custom error; a run of two batches settles with two proofs and nothing else does.
// Seven proofs are made here (one to a few seconds each), so this is an e2e suite.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  OUTCOME,
  proveSettlement,
  releaseProver,
  type SettlementLeafFields,
} from '@palestra/contracts/settlement';
import { type Address, encodeAbiParameters, type Hex, keccak256, parseEther } from 'viem';
import {
  createHarness,
  DAY,
  type Harness,
  openJob,
  publishEnv,
  ROOT,
  registerProvider,
  reverts,
} from '../test/harness.ts';
import { JobState, PriceRule, TaskType } from './enums.ts';
import { encodeSettlementBatches, episodesRootOf } from './submission.ts';

const BUDGET = parseEther('10');
const PRICE = parseEther('0.1');
const RATE = 10n ** 9n; // wei per micro-unit of score
const BASE = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

const episode = (
  i: number,
  score: number,
  outcome: 0 | 1 | 2 = OUTCOME.terminated,
): SettlementLeafFields => ({
  episodeRoot: (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, 'a'),
  taskIndex: i,
  envReturn: outcome === OUTCOME.terminated ? 1_000_000 : 0,
  score,
  steps: 3 + i,
  outcome,
});
// Five episodes, four passing (the cut one does not), total score 2.5 (2_500_000 micro-units).
const leaves = [
  episode(0, 1_000_000),
  episode(1, 500_000),
  episode(2, -250_000, OUTCOME.cut),
  episode(3, 750_000),
  episode(4, 500_000),
];
const TOTAL = 2_500_000n;

let h: Harness;
let a: Harness['actors'];

before(async () => {
  h = await createHarness({ verifier: 'zk' });
  a = h.actors;
  await publishEnv(h, PRICE, 500);
  await registerProvider(h, a.provider);
  await registerProvider(h, a.provider2);
  await h.snapshot();
});
after(async () => {
  await releaseProver();
  await h.close();
});
beforeEach(() => h.reset());

async function claimedBy(provider: Address) {
  const id = await openJob(h, { priceRule: PriceRule.PerScore, rate: RATE, taskType: TaskType.Evaluation });
  await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: provider }));
  return id;
}

interface Made {
  proof: Hex;
  result: {
    episodesRoot: Hex;
    adapterRoot: Hex;
    metricsRoot: Hex;
    totalScore: bigint;
    episodes: bigint;
    passing: bigint;
  };
  inputs: bigint[];
}

async function prove(
  jobId: bigint,
  provider: Address,
  other: { chainId?: number; escrow?: Address; payout?: bigint } = {},
): Promise<Made> {
  const p = await proveSettlement({
    leaves,
    chainId: other.chainId ?? h.chain.id,
    escrow: other.escrow ?? h.d.trainingEscrow,
    jobId,
    provider,
    payout: other.payout ?? (await h.escrow.read.quotePayout([jobId, TOTAL])),
  });
  return {
    proof: p.calldata.proof,
    inputs: p.calldata.inputs,
    result: {
      episodesRoot: p.inputs.tree.rootHex,
      adapterRoot: ROOT(0),
      metricsRoot: ROOT(0xe7),
      totalScore: p.inputs.totals.totalScore,
      episodes: BigInt(p.inputs.totals.episodeCount),
      passing: BigInt(p.inputs.totals.passCount),
    },
  };
}

describe('ZKSettlementVerifier through the escrow', () => {
  it('settles a job with a real proof and finalize pays exactly the proven payout', async () => {
    const id = await claimedBy(a.provider);
    const m = await prove(id, a.provider);
    assert.deepEqual([m.result.episodes, m.result.passing, m.result.totalScore], [5n, 4n, TOTAL]);
    assert.deepEqual(
      await h.escrow.read.settlementInputs([id, a.provider, m.result, TOTAL * RATE]),
      m.inputs,
    );
    await h.tx(
      'TrainingEscrow.submitResult',
      h.escrow.write.submitResult([id, m.result, m.proof], { account: a.provider }),
    );
    const r = await h.escrow.read.result([id]);
    assert.equal(r.payout, TOTAL * RATE);
    assert.equal(r.episodesRoot, m.result.episodesRoot);
    await h.warp(DAY);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id]));
    const fee = (r.payout * 250n) / 10_000n;
    const royalty = (r.payout * 500n) / 10_000n;
    assert.equal(await h.escrow.read.balanceOf([a.provider]), r.payout - fee - royalty);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET - PRICE - r.payout);
    assert.equal((await h.escrow.read.job([id])).state, JobState.Finalized);
  });

  it('refuses the proof for another job, chain, escrow or provider, and a forged one, with custom errors', async () => {
    const one = await claimedBy(a.provider);
    const two = await claimedBy(a.provider);
    const three = await claimedBy(a.provider2);
    const good = await prove(one, a.provider);
    const submitAs = (jobId: bigint, m: Made, account: Address, result = m.result) =>
      h.escrow.write.submitResult([jobId, result, m.proof], { account });

    // Another job: the same proof and result on job two.
    await reverts(submitAs(two, good, a.provider), 'ProofRejected');
    // Another chain, another escrow: proofs made for them, sent here.
    await reverts(submitAs(one, await prove(one, a.provider, { chainId: 1 }), a.provider), 'ProofRejected');
    await reverts(
      submitAs(one, await prove(one, a.provider, { escrow: h.d.nodeRegistry }), a.provider),
      'ProofRejected',
    );
    // Another account: provider2 sends, on the job it claimed, a proof made for provider; and it cannot
    // send on provider's job at all.
    await reverts(submitAs(three, await prove(three, a.provider), a.provider2), 'ProofRejected');
    await reverts(submitAs(one, good, a.provider2), 'NotJobProvider', [one, a.provider2, a.provider]);
    // A result that differs from the proven one in any field.
    for (const changed of [
      { totalScore: TOTAL + 1n },
      { episodes: 6n },
      { passing: 3n },
      { episodesRoot: ROOT(BigInt(good.result.episodesRoot) + 1n) },
    ])
      await reverts(submitAs(one, good, a.provider, { ...good.result, ...changed }), 'ProofRejected');
    // A forged proof: one coordinate changed; one aliased by adding the field's order.
    const words = (p: Hex) =>
      Array.from({ length: 8 }, (_, i) => BigInt(`0x${p.slice(2 + 64 * i, 66 + 64 * i)}`));
    const encode = (w: bigint[]) =>
      encodeAbiParameters(
        w.map(() => ({ type: 'uint256' })),
        w,
      );
    const w = words(good.proof);
    await reverts(
      submitAs(one, { ...good, proof: encode([w[0]! + 1n, ...w.slice(1)]) }, a.provider),
      'ProofRejected',
    );
    await reverts(
      submitAs(one, { ...good, proof: encode([w[0]! + BASE, ...w.slice(1)]) }, a.provider),
      'ProofCoordinateOutOfField',
      [0n, w[0]! + BASE],
    );
    // keccak256(abi.encode(inputs)), the development "proof", is no proof here.
    const hashProof = keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [good.inputs]));
    await reverts(submitAs(one, { ...good, proof: hashProof }, a.provider), 'ProofLength', [32n, 256n]);

    await h.tx('TrainingEscrow.submitResult', submitAs(one, good, a.provider));
    assert.equal((await h.escrow.read.job([one])).state, JobState.Submitted);
    assert.equal((await h.escrow.read.job([two])).state, JobState.Claimed);
  });
});

describe('ZKSettlementVerifier batches (runs larger than one proof)', () => {
  it('settles 16 + 3 episodes with two proofs, their roots combined and totals summed, and nothing else', async () => {
    const id = await claimedBy(a.provider);
    const run = Array.from({ length: 19 }, (_, i) => episode(i, 100_000 * (i % 4)));
    const total = run.reduce((t, e) => t + BigInt(e.score), 0n);
    const payout = await h.escrow.read.quotePayout([id, total]);
    const context = {
      chainId: h.chain.id,
      escrow: h.d.trainingEscrow,
      jobId: id,
      provider: a.provider,
      payout,
    };
    const [first, second] = await Promise.all(
      [run.slice(0, 16), run.slice(16)].map(async (batch) => {
        const p = await proveSettlement({ leaves: batch, ...context });
        return { publicSignals: p.calldata.inputs, proof: p.calldata.proof };
      }),
    );
    const both = encodeSettlementBatches([first!, second!]);
    const sig = both.publicSignals;
    const result = {
      episodesRoot: episodesRootOf(sig),
      adapterRoot: ROOT(0),
      metricsRoot: ROOT(0),
      episodes: sig[6]!,
      passing: sig[7]!,
      totalScore: sig[8]!,
    };
    assert.deepEqual([result.episodes, result.passing, result.totalScore], [19n, 19n, total]);
    const send = (proof: Hex, r = result) =>
      h.escrow.write.submitResult([id, r, proof], { account: a.provider });
    // Out of order: the first batch is not full.
    await reverts(send(encodeSettlementBatches([second!, first!]).proof), 'BatchSize', [0n, 3n, 16n]);
    // Totals that are not the batches' sums (the pass count: changing the score would change the payout,
    // which every batch proof binds).
    await reverts(send(both.proof, { ...result, passing: 18n }), 'BatchTotals', [19n, 19n, total]);
    await reverts(send(both.proof, { ...result, episodesRoot: ROOT(1) }), 'BatchRoots', [
      result.episodesRoot,
      ROOT(1),
    ]);
    await reverts(send(both.proof.slice(0, -64) as Hex), 'ProofLength');
    await h.tx('TrainingEscrow.submitResult', send(both.proof));
    assert.equal((await h.escrow.read.result([id])).payout, payout);
  });
});
