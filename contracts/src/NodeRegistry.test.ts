import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { getContract, parseEther, zeroAddress } from 'viem';
import {
  ANY,
  allErrors,
  caps,
  createHarness,
  DAY,
  DisputeOutcome,
  type Harness,
  openJob,
  publishEnv,
  ROOT,
  registerProvider,
  reverts,
  submit,
} from '../test/harness.ts';
import { nodeRegistryAbi, nodeRegistryBytecode } from './generated/index.ts';
import { receiptOf } from './receipt.ts';

let h: Harness;
let a: Harness['actors'];

before(async () => {
  h = await createHarness();
  a = h.actors;
  await publishEnv(h);
  await h.snapshot();
});
after(() => h.close());
beforeEach(() => h.reset());

describe('NodeRegistry.register', () => {
  it('records roles, metadata, capabilities and stake', async () => {
    await h.tx(
      'NodeRegistry.register',
      h.registry.write.register([3, 'ipfs://node', caps(0b00100)], {
        account: a.provider,
        value: parseEther('3'),
      }),
    );
    const n = await h.registry.read.nodeOf([a.provider]);
    assert.equal(n.stake, parseEther('3'));
    assert.equal(n.roles, 3);
    assert.equal(n.metadataURI, 'ipfs://node');
    assert.deepEqual(n.caps, caps(0b00100));
    assert.equal(await h.registry.read.isProvider([a.provider]), true);
    assert.equal(await h.registry.read.isValidator([a.provider]), true);
    assert.equal(await h.registry.read.totalStake(), parseEther('3'));
    const [log] = await h.registry.getEvents.NodeRegistered({ node: a.provider }, { fromBlock: 0n });
    assert.equal(log?.args.region, 'eu-west');
    assert.equal(await h.balance(h.d.nodeRegistry), parseEther('3'));
  });
  it('refuses a second registration, bad roles and a stake below the minimum', async () => {
    await registerProvider(h, a.provider);
    await reverts(
      h.registry.write.register([1, '', caps()], { account: a.provider, value: parseEther('1') }),
      'AlreadyRegistered',
      [a.provider],
    );
    await reverts(
      h.registry.write.register([0, '', caps()], { account: a.stranger, value: parseEther('1') }),
      'InvalidRoles',
      [0],
    );
    await reverts(
      h.registry.write.register([4, '', caps()], { account: a.stranger, value: parseEther('1') }),
      'InvalidRoles',
      [4],
    );
    await reverts(
      h.registry.write.register([1, '', caps()], { account: a.stranger, value: parseEther('0.5') }),
      'StakeBelowMinimum',
      [parseEther('0.5'), parseEther('1')],
    );
    assert.equal(await h.registry.read.isProvider([a.stranger]), false);
  });
});

describe('NodeRegistry.update and topUp', () => {
  it('changes metadata and adds stake', async () => {
    await registerProvider(h, a.provider);
    await h.tx(
      'NodeRegistry.update',
      h.registry.write.update([2, 'ipfs://v2', caps(1)], { account: a.provider }),
    );
    const n = await h.registry.read.nodeOf([a.provider]);
    assert.equal(n.roles, 2);
    assert.equal(n.metadataURI, 'ipfs://v2');
    await h.tx('NodeRegistry.topUp', h.registry.write.topUp({ account: a.provider, value: parseEther('1') }));
    assert.equal((await h.registry.read.nodeOf([a.provider])).stake, parseEther('6'));
    assert.equal(await h.registry.read.totalStake(), parseEther('6'));
  });
  it('refuses strangers, bad roles and empty top-ups', async () => {
    await reverts(h.registry.write.update([1, '', caps()], { account: a.stranger }), 'NotRegistered', [
      a.stranger,
    ]);
    await reverts(h.registry.write.topUp({ account: a.stranger, value: 1n }), 'NotRegistered', [a.stranger]);
    await registerProvider(h, a.provider);
    await reverts(h.registry.write.update([8, '', caps()], { account: a.provider }), 'InvalidRoles', [8]);
    await reverts(h.registry.write.topUp({ account: a.provider, value: 0n }), 'ZeroAmount', []);
  });
});

describe('NodeRegistry unbonding', () => {
  it('releases free stake after the delay, and only then', async () => {
    await registerProvider(h, a.provider);
    await h.tx(
      'NodeRegistry.requestUnbonding',
      h.registry.write.requestUnbonding([parseEther('1')], { account: a.provider }),
    );
    await h.tx(
      'NodeRegistry.requestUnbonding',
      h.registry.write.requestUnbonding([parseEther('1')], { account: a.provider }),
    );
    const n = await h.registry.read.nodeOf([a.provider]);
    assert.equal(n.unbonding, parseEther('2'));
    assert.equal(n.releaseAt, (await h.now()) + 7n * DAY);
    assert.equal(await h.registry.read.freeStake([a.provider]), parseEther('3'));
    await reverts(h.registry.write.withdrawUnbonded({ account: a.provider }), 'UnbondingNotReady', [
      a.provider,
      n.releaseAt,
      ANY,
    ]);
    await h.warp(7n * DAY);
    const before = await h.balance(a.provider);
    const r = await h.tx(
      'NodeRegistry.withdrawUnbonded',
      h.registry.write.withdrawUnbonded({ account: a.provider }),
    );
    assert.equal(await h.balance(a.provider), before + parseEther('2') - r.gasUsed * r.effectiveGasPrice);
    assert.equal((await h.registry.read.nodeOf([a.provider])).stake, parseEther('3'));
    assert.equal(await h.registry.read.totalStake(), parseEther('3'));
    await reverts(h.registry.write.withdrawUnbonded({ account: a.provider }), 'NothingUnbonding', [
      a.provider,
    ]);
  });
  it('never unbonds locked stake, and never locks unbonding stake', async () => {
    await registerProvider(h, a.provider);
    await reverts(h.registry.write.requestUnbonding([0n], { account: a.provider }), 'ZeroAmount', []);
    await reverts(h.registry.write.requestUnbonding([1n], { account: a.stranger }), 'NotRegistered', [
      a.stranger,
    ]);
    const id = await openJob(h, { minStake: parseEther('2') });
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
    await reverts(
      h.registry.write.requestUnbonding([parseEther('4')], { account: a.provider }),
      'InsufficientStake',
      [a.provider, parseEther('3'), parseEther('4')],
    );
    await h.tx(
      'NodeRegistry.requestUnbonding',
      h.registry.write.requestUnbonding([parseEther('2')], { account: a.provider }),
    );
    const other = await openJob(h, { minStake: parseEther('2') });
    await reverts(h.escrow.write.claim([other], { account: a.provider }), 'InsufficientStake', [
      a.provider,
      parseEther('1'),
      parseEther('2'),
    ]);
    await reverts(h.registry.write.withdrawUnbonded({ account: a.stranger }), 'NotRegistered', [a.stranger]);
  });
});

describe('NodeRegistry escrow-only functions', () => {
  it('refuse everyone but the escrow, the owner included', async () => {
    await registerProvider(h, a.provider);
    for (const who of [a.owner, a.stranger, a.provider]) {
      await reverts(h.registry.write.lock([a.provider, 1n], { account: who }), 'NotEscrow', [who]);
      await reverts(h.registry.write.unlock([a.provider, 0n], { account: who }), 'NotEscrow', [who]);
      await reverts(h.registry.write.slash([a.provider, 0n, who], { account: who }), 'NotEscrow', [who]);
    }
  });
  it('wire the escrow once, by the owner only', async () => {
    assert.equal(await h.registry.read.escrow(), h.d.trainingEscrow);
    await reverts(h.registry.write.setEscrow([a.stranger]), 'EscrowAlreadySet', [h.d.trainingEscrow]);
    const hash = await h.wallet.deployContract({
      abi: nodeRegistryAbi,
      bytecode: nodeRegistryBytecode,
      args: [a.owner, 1n, 1n],
    });
    const fresh = (await receiptOf(h.client, hash)).contractAddress!;
    const write = (fn: 'setEscrow', arg: `0x${string}`, account: `0x${string}`) =>
      h.wallet.writeContract({
        address: fresh,
        abi: nodeRegistryAbi,
        functionName: fn,
        args: [arg],
        account,
      });
    await reverts(write('setEscrow', a.stranger, a.stranger), 'OwnableUnauthorizedAccount', [a.stranger]);
    await reverts(write('setEscrow', zeroAddress, a.owner), 'ZeroAddress', []);
  });
  it('pay slashed stake to the challenger, who withdraws it', async () => {
    await registerProvider(h, a.provider);
    const id = await openJob(h, { minStake: parseEther('2') });
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
    await submit(h, id, a.provider);
    await h.tx(
      'TrainingEscrow.challenge',
      h.escrow.write.challenge([id, ROOT(1)], { account: a.challenger, value: parseEther('0.1') }),
    );
    await h.tx(
      'TestDisputeResolver.setOutcome',
      h.resolver.write.setOutcome([id, DisputeOutcome.ChallengerWins]),
    );
    await h.tx('TrainingEscrow.resolveDispute', h.escrow.write.resolveDispute([id]));
    assert.equal(await h.registry.read.totalCredits(), parseEther('2'));
    const before = await h.balance(a.challenger);
    const r = await h.tx(
      'NodeRegistry.withdrawCredit',
      h.registry.write.withdrawCredit({ account: a.challenger }),
    );
    assert.equal(await h.balance(a.challenger), before + parseEther('2') - r.gasUsed * r.effectiveGasPrice);
    assert.equal(await h.balance(h.d.nodeRegistry), parseEther('3'));
    await reverts(h.registry.write.withdrawCredit({ account: a.challenger }), 'NothingToWithdraw', [
      a.challenger,
    ]);
  });
});

describe('NodeRegistry with an externally owned escrow (direct lock / unlock / slash)', () => {
  it('locks free stake only, and never unlocks or slashes more than is locked', async () => {
    const hash = await h.wallet.deployContract({
      abi: nodeRegistryAbi,
      bytecode: nodeRegistryBytecode,
      args: [a.owner, 1n, 1n],
    });
    const address = (await receiptOf(h.client, hash)).contractAddress!;
    const reg = getContract({
      address,
      abi: [...nodeRegistryAbi, ...allErrors] as unknown as typeof nodeRegistryAbi,
      client: { public: h.client, wallet: h.wallet },
    });
    const escrow = a.stranger;
    await h.tx('NodeRegistry.setEscrow', reg.write.setEscrow([escrow]));
    await h.tx(
      'NodeRegistry.register',
      reg.write.register([1, '', caps()], { account: a.provider, value: parseEther('3') }),
    );
    await reverts(reg.write.lock([a.provider, parseEther('4')], { account: escrow }), 'InsufficientStake', [
      a.provider,
      parseEther('3'),
      parseEther('4'),
    ]);
    await reverts(reg.write.lock([a.validator, 1n], { account: escrow }), 'NotRegistered', [a.validator]);
    await h.tx('NodeRegistry.lock', reg.write.lock([a.provider, parseEther('2')], { account: escrow }));
    await reverts(reg.write.unlock([a.provider, parseEther('3')], { account: escrow }), 'ExceedsLocked', [
      a.provider,
      parseEther('2'),
      parseEther('3'),
    ]);
    await reverts(
      reg.write.slash([a.provider, parseEther('3'), a.challenger], { account: escrow }),
      'ExceedsLocked',
      [a.provider, parseEther('2'), parseEther('3')],
    );
    await h.tx(
      'NodeRegistry.slash',
      reg.write.slash([a.provider, parseEther('1'), a.challenger], { account: escrow }),
    );
    await h.tx('NodeRegistry.unlock', reg.write.unlock([a.provider, parseEther('1')], { account: escrow }));
    const n = await reg.read.nodeOf([a.provider]);
    assert.deepEqual([n.stake, n.locked, n.unbonding], [parseEther('2'), 0n, 0n]);
    assert.equal(await reg.read.credits([a.challenger]), parseEther('1'));
    assert.equal(await reg.read.totalStake(), parseEther('2'));
  });
  it('refuses a stake that does not fit in 128 bits', async () => {
    const rich = a.stranger;
    await h.testClient.setBalance({ address: rich, value: 1n << 200n });
    await h.tx(
      'NodeRegistry.register',
      h.registry.write.register([1, '', caps()], { account: rich, value: 1n << 127n, gas: 500_000n }),
    );
    await reverts(
      h.registry.write.topUp({ account: rich, value: 1n << 127n, gas: 500_000n }),
      'StakeOverflow',
      [1n << 128n],
    );
  });
});
