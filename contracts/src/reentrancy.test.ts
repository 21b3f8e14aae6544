import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { reentrancyAttackerAbi, reentrancyAttackerBytecode } from '@palestra/testing/contracts';
import { type Address, encodeFunctionData, getContract, parseEther, toFunctionSelector } from 'viem';
import { caps, createHarness, DAY, type Harness, jobParams, publishEnv, reverts } from '../test/harness.ts';
import { nodeRegistryAbi, trainingEscrowAbi } from './generated/index.ts';
import { receiptOf } from './receipt.ts';

// An attacker contract that re-enters the function paying it. Every withdrawal must pay exactly once and
// the re-entry must be refused by OpenZeppelin's transient guard (checks-effects-interactions would make
// it pay nothing anyway: the balance is zeroed before the transfer).
const GUARD = toFunctionSelector('ReentrancyGuardReentrantCall()');

let h: Harness;
let attacker: ReturnType<typeof attackerAt>;
const attackerAt = (address: Address) =>
  getContract({ address, abi: reentrancyAttackerAbi, client: { public: h.client, wallet: h.wallet } });

before(async () => {
  h = await createHarness();
  await publishEnv(h);
  const hash = await h.wallet.deployContract({
    abi: reentrancyAttackerAbi,
    bytecode: reentrancyAttackerBytecode,
  });
  attacker = attackerAt((await receiptOf(h.client, hash)).contractAddress!);
  await h.testClient.setBalance({ address: attacker.address, value: parseEther('100') });
  await h.snapshot();
});
after(() => h.close());
beforeEach(() => h.reset());

const run = (to: Address, value: bigint, data: `0x${string}`) =>
  h.tx('ReentrancyAttacker.run', attacker.write.run([to, value, data]));

describe('reentrancy', () => {
  it('TrainingEscrow.withdraw pays a re-entering creator once', async () => {
    const budget = parseEther('10');
    const escrow = h.d.trainingEscrow;
    await run(
      escrow,
      budget,
      encodeFunctionData({ abi: trainingEscrowAbi, functionName: 'openJob', args: [await jobParams(h)] }),
    );
    await run(escrow, 0n, encodeFunctionData({ abi: trainingEscrowAbi, functionName: 'cancel', args: [1n] }));
    const withdraw = encodeFunctionData({ abi: trainingEscrowAbi, functionName: 'withdraw' });
    await h.tx('ReentrancyAttacker.arm', attacker.write.arm([escrow, withdraw]));
    const before = await h.balance(attacker.address);
    await run(escrow, 0n, withdraw);
    assert.equal(await attacker.read.attempts(), 1n);
    assert.equal(await attacker.read.reentrySucceeded(), false);
    assert.equal((await attacker.read.reentryError()).slice(0, 10), GUARD);
    assert.equal(await attacker.read.received(), budget);
    assert.equal(await h.balance(attacker.address), before + budget);
    assert.equal(await h.balance(escrow), 0n);
    assert.equal(await h.escrow.read.totalBalances(), 0n);
  });

  it('NodeRegistry.withdrawUnbonded and withdrawCredit refuse re-entry', async () => {
    const registry = h.d.nodeRegistry;
    await run(
      registry,
      parseEther('3'),
      encodeFunctionData({ abi: nodeRegistryAbi, functionName: 'register', args: [1, 'x', caps()] }),
    );
    await run(
      registry,
      0n,
      encodeFunctionData({ abi: nodeRegistryAbi, functionName: 'requestUnbonding', args: [parseEther('2')] }),
    );
    await h.warp(7n * DAY);
    const withdraw = encodeFunctionData({ abi: nodeRegistryAbi, functionName: 'withdrawUnbonded' });
    await h.tx('ReentrancyAttacker.arm', attacker.write.arm([registry, withdraw]));
    await run(registry, 0n, withdraw);
    assert.equal(await attacker.read.reentrySucceeded(), false);
    assert.equal((await attacker.read.reentryError()).slice(0, 10), GUARD);
    assert.equal(await attacker.read.received(), parseEther('2'));
    assert.equal(await h.balance(registry), parseEther('1'));
    assert.equal((await h.registry.read.nodeOf([attacker.address])).stake, parseEther('1'));
    // Re-entering a different guarded function is refused as well.
    await run(
      registry,
      0n,
      encodeFunctionData({ abi: nodeRegistryAbi, functionName: 'requestUnbonding', args: [parseEther('1')] }),
    );
    await h.warp(7n * DAY);
    await h.tx(
      'ReentrancyAttacker.arm',
      attacker.write.arm([
        registry,
        encodeFunctionData({ abi: nodeRegistryAbi, functionName: 'withdrawCredit' }),
      ]),
    );
    await run(registry, 0n, withdraw);
    assert.equal((await attacker.read.reentryError()).slice(0, 10), GUARD);
    assert.equal(await h.balance(registry), 0n);
  });

  it('a payee that reverts on receipt cannot block anyone else', async () => {
    const escrow = h.d.trainingEscrow;
    await run(
      escrow,
      parseEther('1'),
      encodeFunctionData({ abi: trainingEscrowAbi, functionName: 'openJob', args: [await jobParams(h)] }),
    );
    await h.tx(
      'TrainingEscrow.openJob',
      h.escrow.write.openJob([await jobParams(h)], { account: h.actors.creator, value: parseEther('2') }),
    );
    await run(escrow, 0n, encodeFunctionData({ abi: trainingEscrowAbi, functionName: 'cancel', args: [1n] }));
    await h.tx('TrainingEscrow.cancel', h.escrow.write.cancel([2n], { account: h.actors.creator }));
    await h.tx('ReentrancyAttacker.setRejectPayments', attacker.write.setRejectPayments([true]));
    await reverts(
      attacker.write.run([
        escrow,
        0n,
        encodeFunctionData({ abi: trainingEscrowAbi, functionName: 'withdraw' }),
      ]),
      'PaymentRejected',
      [parseEther('1')],
    );
    await h.tx('TrainingEscrow.withdraw', h.escrow.write.withdraw({ account: h.actors.creator }));
    assert.equal(await h.escrow.read.balanceOf([attacker.address]), parseEther('1'));
    assert.equal(await h.balance(escrow), parseEther('1'));
  });
});
