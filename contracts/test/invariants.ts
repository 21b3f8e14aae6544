/** The invariants, checked after every call of a random sequence and at its end. */
import assert from 'node:assert/strict';
import { parseEventLogs, type TransactionReceipt } from 'viem';
import { JobState } from '../src/enums.ts';
import { trainingEscrowAbi } from '../src/generated/index.ts';
import type { Harness } from './harness.ts';
import { live, type Model } from './model.ts';

/**
 * From the chain's own events: every escrow event in the receipt names the job acted on; each job settles
 * (finalized, cancelled, expired or slashed) at most once; and what is credited for a job never exceeds what
 * was deposited for it (its budget, plus the bond if it was disputed).
 */
export function checkEvents(m: Model, receipt: TransactionReceipt, jobId: bigint | undefined, log: string[]) {
  const events = parseEventLogs({ abi: trainingEscrowAbi, logs: receipt.logs });
  for (const e of events) {
    const args = e.args as { jobId?: bigint };
    if (args.jobId !== undefined)
      assert.equal(
        args.jobId,
        jobId,
        `${e.eventName} for job ${args.jobId} in a call on job ${jobId}\n${log.join('\n')}`,
      );
  }
  for (const e of events) {
    const args = e.args as { jobId?: bigint; amount?: bigint; outcome?: number };
    if (args.jobId === undefined) continue;
    const settles =
      e.eventName === 'JobFinalized' ||
      e.eventName === 'JobCancelled' ||
      e.eventName === 'JobExpired' ||
      (e.eventName === 'DisputeResolved' && args.outcome === 2);
    if (settles) {
      const n = (m.settledOnChain.get(args.jobId) ?? 0) + 1;
      m.settledOnChain.set(args.jobId, n);
      assert.ok(n <= 1, `job ${args.jobId} settled ${n} times\n${log.join('\n')}`);
    }
    if (e.eventName === 'Credited') {
      const total = (m.creditedByJob.get(args.jobId) ?? 0n) + args.amount!;
      m.creditedByJob.set(args.jobId, total);
      const j = m.jobs.find((x) => x.id === args.jobId)!;
      const deposited = j.budget + (j.bond ?? 0n);
      assert.ok(
        total <= deposited,
        `job ${args.jobId} credited ${total} > deposited ${deposited}\n${log.join('\n')}`,
      );
    }
  }
}

/** The invariants, read from the chain and compared with the ghost sums. */
export async function checkInvariants(
  h: Harness,
  m: Model,
  jobId?: bigint,
  log: string[] = [],
): Promise<void> {
  const e = h.escrow.read;
  const r = h.registry.read;
  const [escrowEth, held, balances, registryEth, totalStake, totalCredits] = await Promise.all([
    h.balance(h.d.trainingEscrow),
    e.totalHeld(),
    e.totalBalances(),
    h.balance(h.d.nodeRegistry),
    r.totalStake(),
    r.totalCredits(),
  ]);
  const where = `\n${log.join('\n')}`;
  const owed = held + balances;
  assert.ok(escrowEth >= owed, `escrow insolvent: ${escrowEth} < ${owed}${where}`);
  assert.equal(
    escrowEth,
    m.escrowIn - m.escrowOut + m.donated,
    `escrow ether differs from ghost deposits - withdrawals + donations${where}`,
  );
  assert.equal(owed, m.escrowIn - m.escrowOut, `escrowed != deposits - payouts - refunds${where}`);
  let modelBalances = 0n;
  for (const v of m.balances.values()) modelBalances += v;
  assert.equal(held, m.held(), `totalHeld differs from the model${where}`);
  assert.equal(balances, modelBalances, `totalBalances differs from the model${where}`);
  assert.equal(totalStake, m.stakeIn - m.stakeOut - m.slashed, `stake not conserved${where}`);
  assert.equal(registryEth, totalStake + totalCredits, `registry ether != stake + credits${where}`);
  let modelCredits = 0n;
  for (const v of m.credits.values()) modelCredits += v;
  assert.equal(totalCredits, modelCredits, `slash credits differ from the model${where}`);
  if (jobId !== undefined) {
    const j = m.jobs.find((x) => x.id === jobId);
    if (j)
      assert.equal(
        (await e.job([jobId])).state,
        j.state,
        `job ${jobId} state differs from the model${where}`,
      );
  }
}

/** End-of-run checks: every job's state, every account's balance, every node's stake and lock. */
export async function checkFinal(h: Harness, m: Model, log: string[]): Promise<void> {
  const where = `\n${log.join('\n')}`;
  const states = await Promise.all(m.jobs.map((j) => h.escrow.read.job([j.id])));
  for (const [i, j] of m.jobs.entries()) assert.equal(states[i]!.state, j.state, `job ${j.id} state${where}`);
  for (const [who, v] of m.balances)
    assert.equal(await h.escrow.read.balanceOf([who]), v, `balance of ${who}${where}`);
  for (const [who, n] of m.nodes) {
    const c = await h.registry.read.nodeOf([who]);
    assert.deepEqual(
      [c.stake, c.locked, c.unbonding],
      [n.stake, n.locked, n.unbonding],
      `node ${who}${where}`,
    );
    let locked = 0n;
    for (const j of m.jobs)
      if (j.provider === who && live.includes(j.state) && j.state !== JobState.Open) locked += j.minStake;
    assert.equal(c.locked, locked, `locked stake of ${who} != stake of its live jobs${where}`);
  }
}
