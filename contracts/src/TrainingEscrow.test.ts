import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseEther, zeroAddress } from 'viem';
import {
  ANY,
  createHarness,
  DAY,
  DisputeOutcome,
  type Harness,
  type JobParamsInput,
  jobParams,
  openJob,
  proofFor,
  publishEnv,
  ROOT,
  registerProvider,
  result,
  reverts,
  submit,
} from '../test/harness.ts';
import { JobState, PriceRule, TaskType } from './enums.ts';

const BUDGET = parseEther('10');
const PRICE = parseEther('0.1');
const ROYALTY_BPS = 500n;
const FEE_BPS = 250n;
const STAKE = parseEther('2');
const BOND = parseEther('0.1');

let h: Harness;
let a: Harness['actors'];

before(async () => {
  h = await createHarness();
  a = h.actors;
  await publishEnv(h, PRICE, Number(ROYALTY_BPS));
  await registerProvider(h, a.provider);
  await registerProvider(h, a.provider2, parseEther('1'));
  await h.tx(
    'NodeRegistry.register',
    h.registry.write.register([2, 'validator', { acceleratorClass: 0, taskTypes: 0, region: 'us' }], {
      account: a.validator,
      value: parseEther('5'),
    }),
  );
  await h.snapshot();
});
after(() => h.close());
beforeEach(() => h.reset());

async function claimed(p = {}) {
  const id = await openJob(h, p);
  await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
  return id;
}
async function submitted(p = {}) {
  const id = await claimed(p);
  const s = await submit(h, id, a.provider);
  return { id, ...s };
}
async function challenged(p = {}) {
  const s = await submitted(p);
  await h.tx(
    'TrainingEscrow.challenge',
    h.escrow.write.challenge([s.id, ROOT(0xbad)], { account: a.challenger, value: BOND }),
  );
  return s;
}
const owed = async () => (await h.escrow.read.totalHeld()) + (await h.escrow.read.totalBalances());

describe('TrainingEscrow.openJob', () => {
  it('escrows the budget and snapshots the environment terms and the fee', async () => {
    const id = await openJob(h);
    assert.equal(id, 1n);
    const j = await h.escrow.read.job([id]);
    assert.equal(j.state, JobState.Open);
    assert.equal(j.creator, a.creator);
    assert.equal(j.budget, BUDGET);
    assert.equal(j.usePrice, PRICE);
    assert.equal(j.author, a.author);
    assert.equal(BigInt(j.royaltyBps), ROYALTY_BPS);
    assert.equal(BigInt(j.feeBps), FEE_BPS);
    assert.equal(j.verifier, h.d.settlementVerifier);
    assert.equal(await h.escrow.read.totalHeld(), BUDGET);
    assert.equal(await h.balance(h.d.trainingEscrow), BUDGET);
    const [log] = await h.escrow.getEvents.JobOpened({ jobId: id }, { fromBlock: 0n });
    assert.equal(log?.args.budget, BUDGET);
    assert.equal(log?.args.params?.taskType, TaskType.GRPO);
  });

  it('accepts a dataset job with no environment and no author', async () => {
    const id = await openJob(h, {
      taskType: TaskType.PreTraining,
      envVersionId: 0n,
      datasetRoot: ROOT(0xda7a),
    });
    const j = await h.escrow.read.job([id]);
    assert.equal(j.author, zeroAddress);
    assert.equal(j.usePrice, 0n);
  });

  it('refuses bad parameters with the offending values', async () => {
    const t = await h.now();
    const open = async (p: JobParamsInput, value = BUDGET) =>
      h.escrow.write.openJob([await jobParams(h, p)], { account: a.creator, value });
    await reverts(open({ envVersionId: 0n, datasetRoot: ROOT(0) }), 'MissingWorkload', []);
    await reverts(
      open({ taskType: TaskType.GRPO, envVersionId: 0n, datasetRoot: ROOT(1) }),
      'EnvironmentRequired',
      [TaskType.GRPO],
    );
    await reverts(
      open({ taskType: TaskType.Evaluation, envVersionId: 0n, datasetRoot: ROOT(1) }),
      'EnvironmentRequired',
      [TaskType.Evaluation],
    );
    await reverts(open({ claimDeadline: t - 1n, submitDeadline: t + DAY }), 'InvalidDeadlines');
    await reverts(open({ claimDeadline: t + DAY, submitDeadline: t + DAY }), 'InvalidDeadlines', [
      t + DAY,
      t + DAY,
      ANY,
    ]);
    await reverts(open({ challengeWindow: 0n }), 'InvalidChallengeWindow', [0n, 30n * DAY]);
    await reverts(open({ challengeWindow: 30n * DAY + 1n }), 'InvalidChallengeWindow', [
      30n * DAY + 1n,
      30n * DAY,
    ]);
    await reverts(open({ minEvalScore: 1_000_001 }), 'InvalidEvalScore', [1_000_001, 1_000_000]);
    await reverts(open({}, PRICE), 'BudgetTooLow', [PRICE, PRICE]);
    await reverts(open({ envVersionId: 9n }), 'UnknownVersion', [9n]);
  });

  it('refuses a deprecated environment version', async () => {
    await h.tx(
      'GymMarketplace.deprecateVersion',
      h.marketplace.write.deprecateVersion([1n, 'broken reward'], { account: a.author }),
    );
    await reverts(
      h.escrow.write.openJob([await jobParams(h)], { account: a.creator, value: BUDGET }),
      'VersionIsDeprecated',
      [1n],
    );
  });
});

describe('TrainingEscrow.cancel', () => {
  it('refunds the creator of an unclaimed job', async () => {
    const id = await openJob(h);
    await h.tx('TrainingEscrow.cancel', h.escrow.write.cancel([id], { account: a.creator }));
    assert.equal((await h.escrow.read.job([id])).state, JobState.Cancelled);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET);
    assert.equal(await h.escrow.read.totalHeld(), 0n);
  });
  it('is for the creator only, before a claim, on a job that exists', async () => {
    const id = await openJob(h);
    await reverts(h.escrow.write.cancel([id], { account: a.stranger }), 'NotCreator', [
      id,
      a.stranger,
      a.creator,
    ]);
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
    await reverts(h.escrow.write.cancel([id], { account: a.creator }), 'WrongState', [
      id,
      JobState.Claimed,
      JobState.Open,
    ]);
    await reverts(h.escrow.write.cancel([42n], { account: a.creator }), 'UnknownJob', [42n]);
  });
});

describe('TrainingEscrow.claim', () => {
  it('locks the minimum stake of the claiming provider', async () => {
    const id = await claimed();
    const j = await h.escrow.read.job([id]);
    assert.equal(j.state, JobState.Claimed);
    assert.equal(j.provider, a.provider);
    assert.equal((await h.registry.read.nodeOf([a.provider])).locked, STAKE);
    assert.equal(await h.registry.read.freeStake([a.provider]), parseEther('3'));
  });
  it('refuses unregistered nodes, validators, thin stake, late claims and double claims', async () => {
    const id = await openJob(h);
    await reverts(h.escrow.write.claim([id], { account: a.stranger }), 'NotRegistered', [a.stranger]);
    await reverts(h.escrow.write.claim([id], { account: a.validator }), 'NotProvider', [a.validator]);
    await reverts(h.escrow.write.claim([id], { account: a.provider2 }), 'InsufficientStake', [
      a.provider2,
      parseEther('1'),
      STAKE,
    ]);
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
    await reverts(h.escrow.write.claim([id], { account: a.provider }), 'WrongState', [
      id,
      JobState.Claimed,
      JobState.Open,
    ]);
    const late = await openJob(h);
    const { claimDeadline } = await h.escrow.read.job([late]);
    await h.warp(DAY + 1n);
    await reverts(h.escrow.write.claim([late], { account: a.provider }), 'DeadlinePassed', [
      late,
      claimDeadline,
      ANY,
    ]);
  });
  it('does not let locked stake back two jobs', async () => {
    await claimed({ minStake: parseEther('4') });
    const id = await openJob(h, { minStake: parseEther('2') });
    await reverts(h.escrow.write.claim([id], { account: a.provider }), 'InsufficientStake', [
      a.provider,
      parseEther('1'),
      parseEther('2'),
    ]);
  });
});

describe('TrainingEscrow.submitResult', () => {
  it('records the result, the payout and the end of the challenge window', async () => {
    const { id, payout } = await submitted();
    assert.equal(payout, BUDGET - PRICE);
    const j = await h.escrow.read.job([id]);
    assert.equal(j.state, JobState.Submitted);
    assert.equal(j.challengeEndsAt, (await h.now()) + DAY);
    const r = await h.escrow.read.result([id]);
    assert.equal(r.episodesRoot, result(Number(id)).episodesRoot);
    assert.equal(r.payout, payout);
  });
  it('pays per score when asked, capped at the budget, without overflowing', async () => {
    const id = await openJob(h, { priceRule: PriceRule.PerScore, rate: 1_000_000_000n });
    assert.equal(await h.escrow.read.quotePayout([id, 5_000_000n]), 5_000_000n * 1_000_000_000n);
    assert.equal(await h.escrow.read.quotePayout([id, 10n ** 30n]), BUDGET - PRICE);
    assert.equal(await h.escrow.read.quotePayout([id, (1n << 256n) - 1n]), BUDGET - PRICE);
    const zero = await openJob(h, { priceRule: PriceRule.PerScore, rate: 0n });
    assert.equal(await h.escrow.read.quotePayout([zero, 10n ** 9n]), 0n);
  });
  it('refuses another caller, a late result and missing roots', async () => {
    const id = await claimed();
    const r = result(1);
    const proof = proofFor(h, id, a.provider, r, BUDGET - PRICE);
    await reverts(h.escrow.write.submitResult([id, r, proof], { account: a.provider2 }), 'NotJobProvider', [
      id,
      a.provider2,
      a.provider,
    ]);
    await reverts(
      h.escrow.write.submitResult([id, { ...r, episodesRoot: ROOT(0) }, proof], { account: a.provider }),
      'MissingEpisodesRoot',
      [id],
    );
    await reverts(
      h.escrow.write.submitResult([id, { ...r, adapterRoot: ROOT(0) }, proof], { account: a.provider }),
      'MissingAdapterRoot',
      [id],
    );
    const { submitDeadline } = await h.escrow.read.job([id]);
    await h.warp(3n * DAY + 1n);
    await reverts(h.escrow.write.submitResult([id, r, proof], { account: a.provider }), 'DeadlinePassed', [
      id,
      submitDeadline,
      ANY,
    ]);
  });
  it('lets an evaluation job or a dataset job omit the root it does not produce', async () => {
    const ev = await claimed({ taskType: TaskType.Evaluation });
    await submit(h, ev, a.provider, { ...result(1), adapterRoot: ROOT(0) });
    const ds = await openJob(h, {
      taskType: TaskType.FineTuning,
      envVersionId: 0n,
      datasetRoot: ROOT(0xda7a),
    });
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([ds], { account: a.provider }));
    await submit(h, ds, a.provider, { ...result(2), episodesRoot: ROOT(0) });
  });
  it('builds the public inputs from the chain, the escrow, the job, the caller and its own payout', async () => {
    const id = await claimed();
    const r = result(3);
    const root = BigInt(r.episodesRoot);
    assert.deepEqual(await h.escrow.read.settlementInputs([id, a.provider, r, 42n]), [
      BigInt(h.chain.id),
      BigInt(h.d.trainingEscrow),
      id,
      BigInt(a.provider),
      root >> 128n,
      root & ((1n << 128n) - 1n),
      r.episodes,
      r.passing,
      r.totalScore,
      42n,
    ]);
  });
  it('refuses a result with fewer passing episodes than the job asks for', async () => {
    const id = await claimed({ minPassing: 12 });
    const r = { ...result(1), passing: 11n };
    await reverts(
      h.escrow.write.submitResult([id, r, proofFor(h, id, a.provider, r, BUDGET - PRICE)], {
        account: a.provider,
      }),
      'TooFewPassing',
      [id, 11n, 12],
    );
    assert.equal((await h.escrow.read.job([id])).minPassing, 12);
    await submit(h, id, a.provider, { ...r, passing: 12n });
    assert.equal((await h.escrow.read.result([id])).passing, 12n);
  });
  it('never settles a job with a proof made for another chain, escrow, job, provider, root, count, score or payout', async () => {
    const one = await claimed();
    const two = await claimed();
    const r = result(7);
    const payout = BUDGET - PRICE;
    const good = proofFor(h, one, a.provider, r, payout);
    // A valid proof for job one, replayed on job two with the same result: refused.
    await reverts(
      h.escrow.write.submitResult([two, r, good], { account: a.provider }),
      'InvalidSettlementProof',
      [two, a.provider, payout],
    );
    for (const forged of [
      { chainId: 1n },
      { escrow: h.d.nodeRegistry },
      { provider: a.provider2 },
      { episodesRoot: ROOT(1) },
      { episodes: r.episodes + 1n },
      { passing: r.passing - 1n },
      { totalScore: r.totalScore + 1n },
      { payout: payout - 1n },
    ]) {
      await reverts(
        h.escrow.write.submitResult([one, r, proofFor(h, one, a.provider, r, payout, forged)], {
          account: a.provider,
        }),
        'InvalidSettlementProof',
      );
    }
    await reverts(
      h.escrow.write.submitResult([one, r, '0x1234'], { account: a.provider }),
      'InvalidSettlementProof',
    );
    await h.tx(
      'TrainingEscrow.submitResult',
      h.escrow.write.submitResult([one, r, good], { account: a.provider }),
    );
    assert.equal((await h.escrow.read.job([two])).state, JobState.Claimed);
    await reverts(h.escrow.write.submitResult([one, r, good], { account: a.provider }), 'WrongState', [
      one,
      JobState.Submitted,
      JobState.Claimed,
    ]);
  });
});

describe('TrainingEscrow.finalize', () => {
  it('credits provider, author, protocol and creator, and unlocks the stake', async () => {
    const { id, payout } = await submitted();
    await reverts(h.escrow.write.finalize([id]), 'ChallengeWindowOpen');
    await h.warp(DAY);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id], { account: a.stranger }));
    const fee = (payout * FEE_BPS) / 10_000n;
    const royalty = (payout * ROYALTY_BPS) / 10_000n;
    assert.equal(await h.escrow.read.balanceOf([a.provider]), payout - fee - royalty);
    assert.equal(await h.escrow.read.balanceOf([a.author]), PRICE + royalty);
    assert.equal(await h.escrow.read.balanceOf([a.feeRecipient]), fee);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), 0n);
    assert.equal(await h.escrow.read.totalHeld(), 0n);
    assert.equal(await h.escrow.read.totalBalances(), BUDGET);
    assert.equal((await h.registry.read.nodeOf([a.provider])).locked, 0n);
    assert.equal((await h.escrow.read.job([id])).state, JobState.Finalized);
    await reverts(h.escrow.write.finalize([id]), 'WrongState', [id, JobState.Finalized, JobState.Submitted]);
  });
  it('refunds the unearned part of a per-score budget', async () => {
    const id = await openJob(h, { priceRule: PriceRule.PerScore, rate: 1_000_000_000n });
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
    const { payout } = await submit(h, id, a.provider, result(1, 2_000_000n));
    assert.equal(payout, 2_000_000n * 1_000_000_000n);
    await h.warp(DAY);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id]));
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET - PRICE - payout);
  });
  it('refuses jobs that are not submitted', async () => {
    const id = await claimed();
    await reverts(h.escrow.write.finalize([id]), 'WrongState', [id, JobState.Claimed, JobState.Submitted]);
    await reverts(h.escrow.write.finalize([99n]), 'UnknownJob', [99n]);
  });
  it('waits for the held-out evaluation and scales the payout by it', async () => {
    const { id, payout } = await submitted({ evalRequired: true, minEvalScore: 500_000 });
    await h.warp(DAY);
    await reverts(h.escrow.write.finalize([id]), 'EvaluationPending', [id]);
    await h.tx('TestDisputeResolver.setEvaluation', h.resolver.write.setEvaluation([id, 800_000]));
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id]));
    const pay = (payout * 800_000n) / 1_000_000n;
    const fee = (pay * FEE_BPS) / 10_000n;
    const royalty = (pay * ROYALTY_BPS) / 10_000n;
    assert.equal(await h.escrow.read.balanceOf([a.provider]), pay - fee - royalty);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET - PRICE - pay);
    const [log] = await h.escrow.getEvents.JobFinalized({ jobId: id }, { fromBlock: 0n });
    assert.equal(log?.args.evalScore, 800_000);
  });
  it('pays nothing below the minimum evaluation score, and caps scores above one', async () => {
    const low = await submitted({ evalRequired: true, minEvalScore: 500_000 });
    const high = await submitted({ evalRequired: true, minEvalScore: 500_000 });
    await h.tx('TestDisputeResolver.setEvaluation', h.resolver.write.setEvaluation([low.id, 499_999]));
    await h.tx('TestDisputeResolver.setEvaluation', h.resolver.write.setEvaluation([high.id, 4_000_000]));
    await h.warp(DAY);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([low.id]));
    assert.equal(await h.escrow.read.balanceOf([a.provider]), 0n);
    assert.equal(await h.escrow.read.balanceOf([a.author]), PRICE);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET - PRICE);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([high.id]));
    const fee = (high.payout * FEE_BPS) / 10_000n;
    const royalty = (high.payout * ROYALTY_BPS) / 10_000n;
    assert.equal(await h.escrow.read.balanceOf([a.provider]), high.payout - fee - royalty);
  });
});

describe('TrainingEscrow disputes', () => {
  it('opens a dispute with a bond inside the window', async () => {
    const { id } = await challenged();
    assert.equal((await h.escrow.read.job([id])).state, JobState.Challenged);
    const d = await h.escrow.read.dispute([id]);
    assert.equal(d.challenger, a.challenger);
    assert.equal(d.bond, BOND);
    assert.equal(await h.escrow.read.totalHeld(), BUDGET + BOND);
    await reverts(
      h.escrow.write.challenge([id, ROOT(1)], { account: a.creator, value: BOND }),
      'WrongState',
      [id, JobState.Challenged, JobState.Submitted],
    );
  });
  it('refuses the provider itself, a thin bond and a closed window', async () => {
    const { id } = await submitted();
    await reverts(
      h.escrow.write.challenge([id, ROOT(1)], { account: a.provider, value: BOND }),
      'SelfChallenge',
      [id, a.provider],
    );
    await reverts(
      h.escrow.write.challenge([id, ROOT(1)], { account: a.challenger, value: BOND - 1n }),
      'BondTooLow',
      [BOND - 1n, BOND],
    );
    const { challengeEndsAt } = await h.escrow.read.job([id]);
    await h.warp(DAY);
    await reverts(
      h.escrow.write.challenge([id, ROOT(1)], { account: a.challenger, value: BOND }),
      'ChallengeWindowClosed',
      [id, challengeEndsAt, ANY],
    );
  });
  it('waits for the resolver', async () => {
    const { id } = await challenged();
    await reverts(h.escrow.write.resolveDispute([id]), 'DisputePending', [id]);
    await reverts(h.escrow.write.finalize([id]), 'WrongState', [id, JobState.Challenged, JobState.Submitted]);
    const open = await openJob(h);
    await reverts(h.escrow.write.resolveDispute([open]), 'WrongState', [
      open,
      JobState.Open,
      JobState.Challenged,
    ]);
  });
  it('provider wins: takes the bond, and the job finalizes at once', async () => {
    const { id, payout } = await challenged();
    await h.tx(
      'TestDisputeResolver.setOutcome',
      h.resolver.write.setOutcome([id, DisputeOutcome.ProviderWins]),
    );
    await h.tx('TrainingEscrow.resolveDispute', h.escrow.write.resolveDispute([id]));
    assert.equal((await h.escrow.read.job([id])).state, JobState.Resolved);
    assert.equal(await h.escrow.read.balanceOf([a.provider]), BOND);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id]));
    const fee = (payout * FEE_BPS) / 10_000n;
    const royalty = (payout * ROYALTY_BPS) / 10_000n;
    assert.equal(await h.escrow.read.balanceOf([a.provider]), BOND + payout - fee - royalty);
    assert.equal(await h.escrow.read.balanceOf([a.challenger]), 0n);
    assert.equal((await h.registry.read.nodeOf([a.provider])).locked, 0n);
  });
  it('challenger wins: bond back plus the slashed stake, creator refunded in full', async () => {
    const { id } = await challenged();
    await h.tx(
      'TestDisputeResolver.setOutcome',
      h.resolver.write.setOutcome([id, DisputeOutcome.ChallengerWins]),
    );
    await h.tx('TrainingEscrow.resolveDispute', h.escrow.write.resolveDispute([id]));
    assert.equal((await h.escrow.read.job([id])).state, JobState.Slashed);
    assert.equal(await h.escrow.read.balanceOf([a.challenger]), BOND);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET);
    assert.equal(await h.escrow.read.balanceOf([a.author]), 0n);
    assert.equal(await h.registry.read.credits([a.challenger]), STAKE);
    const node = await h.registry.read.nodeOf([a.provider]);
    assert.equal(node.stake, parseEther('5') - STAKE);
    assert.equal(node.locked, 0n);
    await reverts(h.escrow.write.finalize([id]), 'WrongState', [id, JobState.Slashed, JobState.Submitted]);
    assert.equal(await owed(), BUDGET + BOND);
  });
});

describe('TrainingEscrow.expire', () => {
  it('refunds an unclaimed job after its claim deadline', async () => {
    const id = await openJob(h);
    const { claimDeadline } = await h.escrow.read.job([id]);
    await reverts(h.escrow.write.expire([id]), 'NotExpirable', [id, JobState.Open, claimDeadline, ANY]);
    await h.warp(DAY + 1n);
    await h.tx('TrainingEscrow.expire', h.escrow.write.expire([id], { account: a.stranger }));
    assert.equal((await h.escrow.read.job([id])).state, JobState.Expired);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET);
  });
  it('refunds a claimed job after its submit deadline and unlocks the stake', async () => {
    const id = await claimed();
    await h.warp(3n * DAY + 1n);
    await h.tx('TrainingEscrow.expire', h.escrow.write.expire([id]));
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET);
    assert.equal((await h.registry.read.nodeOf([a.provider])).locked, 0n);
  });
  it('refunds creator and challenger when the resolver never decides a dispute', async () => {
    const { id } = await challenged();
    const { openedAt } = await h.escrow.read.dispute([id]);
    const timeout = 30n * DAY;
    await reverts(h.escrow.write.expire([id]), 'NotExpirable', [
      id,
      JobState.Challenged,
      openedAt + timeout,
      ANY,
    ]);
    await h.warp(timeout + 1n);
    await h.tx('TrainingEscrow.expire', h.escrow.write.expire([id]));
    assert.equal((await h.escrow.read.job([id])).state, JobState.Expired);
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET);
    assert.equal(await h.escrow.read.balanceOf([a.challenger]), BOND);
    assert.equal(await h.escrow.read.totalHeld(), 0n);
    const node = await h.registry.read.nodeOf([a.provider]);
    assert.deepEqual([node.stake, node.locked], [parseEther('5'), 0n]);
  });
  it('refunds the creator when a required evaluation is never reported, and only then', async () => {
    const silent = await submitted({ evalRequired: true });
    const reported = await submitted({ evalRequired: true });
    await h.tx('TestDisputeResolver.setEvaluation', h.resolver.write.setEvaluation([reported.id, 700_000]));
    const { challengeEndsAt } = await h.escrow.read.job([silent.id]);
    await reverts(h.escrow.write.expire([silent.id]), 'NotExpirable', [
      silent.id,
      JobState.Submitted,
      challengeEndsAt + 30n * DAY,
      ANY,
    ]);
    await h.warp(31n * DAY + 1n);
    await h.tx('TrainingEscrow.expire', h.escrow.write.expire([silent.id]));
    assert.equal(await h.escrow.read.balanceOf([a.creator]), BUDGET);
    await reverts(h.escrow.write.expire([reported.id]), 'NotExpirable', [
      reported.id,
      JobState.Submitted,
      0n,
      ANY,
    ]);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([reported.id]));
    assert.equal((await h.registry.read.nodeOf([a.provider])).locked, 0n);
  });
  it('never expires a submitted job', async () => {
    const { id } = await submitted();
    await h.warp(10n * DAY);
    await reverts(h.escrow.write.expire([id]), 'NotExpirable', [id, JobState.Submitted, 0n, ANY]);
    await reverts(h.escrow.write.expire([77n]), 'UnknownJob', [77n]);
  });
});

describe('TrainingEscrow.withdraw', () => {
  it('pays out the caller balance once', async () => {
    const id = await openJob(h);
    await h.tx('TrainingEscrow.cancel', h.escrow.write.cancel([id], { account: a.creator }));
    const before = await h.balance(a.creator);
    const r = await h.tx('TrainingEscrow.withdraw', h.escrow.write.withdraw({ account: a.creator }));
    assert.equal(await h.balance(a.creator), before + BUDGET - r.gasUsed * r.effectiveGasPrice);
    assert.equal(await h.balance(h.d.trainingEscrow), 0n);
    await reverts(h.escrow.write.withdraw({ account: a.creator }), 'NothingToWithdraw', [a.creator]);
  });
});

describe('TestDisputeResolver', () => {
  it('takes verdicts from its deployer only', async () => {
    await reverts(
      h.resolver.write.setOutcome([1n, DisputeOutcome.ProviderWins], { account: a.stranger }),
      'NotOracle',
      [a.stranger],
    );
    await reverts(h.resolver.write.setEvaluation([1n, 1], { account: a.provider }), 'NotOracle', [
      a.provider,
    ]);
  });
});

describe('TrainingEscrow owner settings', () => {
  it('are for the owner only', async () => {
    for (const send of [
      () => h.escrow.write.setProtocolFee([100], { account: a.stranger }),
      () => h.escrow.write.setFeeRecipient([a.stranger], { account: a.stranger }),
      () => h.escrow.write.setVerifier([a.stranger], { account: a.stranger }),
      () => h.escrow.write.setResolver([a.stranger], { account: a.stranger }),
      () => h.escrow.write.setChallengeBond([0n], { account: a.stranger }),
    ]) {
      await reverts(send(), 'OwnableUnauthorizedAccount', [a.stranger]);
    }
  });
  it('cap the fee and refuse the zero address', async () => {
    await reverts(h.escrow.write.setProtocolFee([1001]), 'FeeTooHigh', [1001, 1000]);
    await reverts(h.escrow.write.setFeeRecipient([zeroAddress]), 'ZeroAddress', []);
    await reverts(h.escrow.write.setVerifier([zeroAddress]), 'ZeroAddress', []);
    await reverts(h.escrow.write.setResolver([zeroAddress]), 'ZeroAddress', []);
    await h.tx('TrainingEscrow.setProtocolFee', h.escrow.write.setProtocolFee([1000]));
    assert.equal(await h.escrow.read.protocolFeeBps(), 1000);
    await h.tx('TrainingEscrow.setChallengeBond', h.escrow.write.setChallengeBond([1n]));
    assert.equal(await h.escrow.read.challengeBond(), 1n);
    await h.tx('TrainingEscrow.setFeeRecipient', h.escrow.write.setFeeRecipient([a.stranger]));
    assert.equal(await h.escrow.read.feeRecipient(), a.stranger);
  });
  it('do not change the verifier or resolver of a job already open', async () => {
    const id = await claimed();
    await h.tx('TrainingEscrow.setVerifier', h.escrow.write.setVerifier([a.stranger]));
    await h.tx('TrainingEscrow.setResolver', h.escrow.write.setResolver([a.stranger]));
    assert.equal(await h.escrow.read.verifier(), a.stranger);
    await submit(h, id, a.provider);
    assert.equal((await h.escrow.read.job([id])).resolver, h.d.disputeResolver);
  });
});
