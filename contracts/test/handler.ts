/**
 * Handler for random call sequences against the deployed system, with a TypeScript model (ghost state)
 * that predicts whether each call succeeds and what it owes whom. Each action is sent as a real
 * transaction with a fixed gas limit (so anvil mines reverts too), its success compared with the model's
 * prediction at the mined block's timestamp, and the invariants checked after every call:
 *   - solvency: escrow balance >= what it owes (>=: anyone can force ether into it)
 *   - ghost sums: deposits - withdrawals (payouts + refunds) = escrowed = model held + model balances
 *   - no job paid twice: at most one settlement event per job, terminal states never change
 *   - stake conserved except through slashes: stake in - unbonded out - slashed = total stake
 *   - a result for one job never settles another: every Credited / settlement event names the job acted on,
 *     and replayed proofs (made for another job) are refused.
 */
import assert from 'node:assert/strict';
import { settlementProof } from '@palestra/testing/contracts';
import { type Address, type Hex, parseEther } from 'viem';
import { DisputeOutcome, JobState, PriceRule, TaskType } from '../src/enums.ts';
import { nodeRegistryAbi, trainingEscrowAbi } from '../src/generated/index.ts';
import { testDisputeResolverAbi } from '../src/generated/TestDisputeResolver.ts';
import { receiptOf } from '../src/receipt.ts';
import { DAY, type Harness, ROOT } from './harness.ts';
import { checkEvents, checkInvariants } from './invariants.ts';
import {
  type Action,
  BOND,
  budgets,
  evalScores,
  FEE_BPS,
  GAS,
  type JobModel,
  type Model,
  min,
  PRICE,
  RESOLUTION_TIMEOUT,
  ROYALTY_BPS,
  retarget,
  scores,
  stakes,
  want,
  warps,
} from './model.ts';

export { checkFinal, checkInvariants } from './invariants.ts';
export { type Action, actionKinds, Model } from './model.ts';

/** Successful calls per action kind over all runs, so a test can show the sequences reach deep states. */
export const coverage = new Map<string, number>();

/** Drive one action: send it, compare success with the model, update the model, check the invariants. */
export async function step(h: Harness, m: Model, drawn: Action, log: string[]): Promise<void> {
  const act = retarget(m, drawn);
  const { actors: x } = h;
  const creators = [x.creator, x.stranger];
  const providers = [x.provider, x.provider2, x.validator];
  const challengers = [x.challenger, x.creator, x.provider2];
  const everyone = [
    x.creator,
    x.stranger,
    x.provider,
    x.provider2,
    x.challenger,
    x.author,
    x.feeRecipient,
    x.validator,
  ];
  // Three times in four, pick among the jobs in a state where the action can succeed, so sequences
  // reach deep states; otherwise any job, or one that does not exist.
  const wanted = (want[act.kind] ?? []) as number[];
  const candidates = m.jobs.filter((j) => wanted.includes(j.state));
  const pickJob = (n: number): JobModel | undefined =>
    n % 4 !== 0 && candidates.length > 0
      ? candidates[(n >> 2) % candidates.length]
      : m.jobs[(n >> 2) % (m.jobs.length + 1)];
  const picked = pickJob(act.b);
  // Likewise for actors: three times in four, one for whom the call can succeed.
  const pickActor = (pool: Address[], able: (who: Address) => boolean): Address => {
    const ok = pool.filter(able);
    return act.a % 4 !== 0 && ok.length > 0
      ? ok[(act.a >> 2) % ok.length]!
      : pool[(act.a >> 2) % pool.length]!;
  };
  const jobAt = (_n: number): JobModel | undefined => picked;
  const idAt = (_n: number): bigint => picked?.id ?? BigInt(m.jobs.length + 1);

  const escrowWrite = (functionName: string, args: unknown[], account: Address, value = 0n) =>
    h.wallet.writeContract({
      address: h.d.trainingEscrow,
      abi: trainingEscrowAbi,
      functionName,
      args,
      account,
      value,
      gas: GAS,
    } as never);
  const registryWrite = (functionName: string, args: unknown[], account: Address, value = 0n) =>
    h.wallet.writeContract({
      address: h.d.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName,
      args,
      account,
      value,
      gas: GAS,
    } as never);
  const resolverWrite = (functionName: string, args: unknown[]) =>
    h.wallet.writeContract({
      address: h.d.disputeResolver,
      abi: testDisputeResolverAbi,
      functionName,
      args,
      account: x.owner,
      gas: GAS,
    } as never);

  let label = '';
  let hash: Hex | undefined;
  let predict: (ts: bigint) => boolean = () => true;
  let apply: (ts: bigint) => void = () => {};
  let jobActedOn: bigint | undefined;

  switch (act.kind) {
    case 'open': {
      const creator = creators[act.a % 2]!;
      const useEnv = act.b % 3 !== 0;
      const budget = budgets[act.c % budgets.length]!;
      const now = (await h.client.getBlock()).timestamp;
      const p = {
        taskType: useEnv
          ? [TaskType.GRPO, TaskType.Evaluation, TaskType.FineTuning][act.b % 3]!
          : TaskType.PreTraining,
        envVersionId: useEnv ? 1n : 0n,
        datasetRoot: useEnv ? ROOT(0) : ROOT(0xda7a),
        baseModel: ROOT(0xba5e),
        priceRule: act.b % 2 === 0 ? PriceRule.Fixed : PriceRule.PerScore,
        rate: 10n ** 11n,
        minStake: stakes[(act.a >> 1) % stakes.length]!,
        claimDeadline: now + warps[(act.c >> 2) % 4]!,
        submitDeadline: now + warps[(act.c >> 2) % 4]! + 2n * DAY,
        challengeWindow: DAY,
        evalRequired: act.b % 5 === 1,
        minEvalScore: 500_000,
        minPassing: act.c % 4 === 0 ? 10 : 0,
      };
      const usePrice = useEnv ? PRICE : 0n;
      label = 'TrainingEscrow.openJob';
      jobActedOn = BigInt(m.jobs.length + 1);
      hash = await escrowWrite('openJob', [p], creator, budget);
      predict = () => budget > usePrice;
      apply = () => {
        m.escrowIn += budget;
        m.jobs.push({
          id: BigInt(m.jobs.length + 1),
          creator,
          state: JobState.Open,
          budget,
          usePrice,
          author: useEnv ? x.author : null,
          priceRule: p.priceRule,
          rate: p.rate,
          minStake: p.minStake,
          claimDeadline: p.claimDeadline,
          submitDeadline: p.submitDeadline,
          window: p.challengeWindow,
          evalRequired: p.evalRequired,
          minEval: p.minEvalScore,
          minPassing: p.minPassing,
        });
      };
      break;
    }
    case 'cancel': {
      const j = jobAt(act.b);
      const sender = act.a % 4 === 0 ? x.stranger : (j?.creator ?? x.creator);
      label = 'TrainingEscrow.cancel';
      jobActedOn = idAt(act.b);
      hash = await escrowWrite('cancel', [jobActedOn], sender);
      predict = () => !!j && j.state === JobState.Open && sender === j.creator;
      apply = () => {
        j!.state = JobState.Cancelled;
        m.credit(j!.creator, j!.budget);
      };
      break;
    }
    case 'claim': {
      const j = jobAt(act.b);
      const provider = pickActor(providers, (p) => m.node(p).provider && m.free(p) >= (j?.minStake ?? 0n));
      label = 'TrainingEscrow.claim';
      jobActedOn = idAt(act.b);
      hash = await escrowWrite('claim', [jobActedOn], provider);
      predict = (ts) =>
        !!j &&
        j.state === JobState.Open &&
        ts <= j.claimDeadline &&
        m.node(provider).provider &&
        m.free(provider) >= j.minStake;
      apply = () => {
        j!.state = JobState.Claimed;
        j!.provider = provider;
        m.node(provider).locked += j!.minStake;
      };
      break;
    }
    case 'submit':
    case 'replay': {
      const j = jobAt(act.b);
      const sender = act.a % 5 === 0 ? x.stranger : (j?.provider ?? x.provider);
      const score = scores[act.c % scores.length]!;
      const id = idAt(act.b);
      const payout = !j
        ? 0n
        : j.priceRule === PriceRule.Fixed
          ? j.budget - j.usePrice
          : min(j.budget - j.usePrice, score * j.rate);
      // A replay uses a proof made for another job (id + 1) with the same provider, root, score and payout.
      const proofJob = act.kind === 'replay' ? id + 1n : id;
      const r = {
        episodesRoot: ROOT(0xe9_0000 + Number(id)),
        adapterRoot: ROOT(0xad_0000 + Number(id)),
        metricsRoot: ROOT(1),
        totalScore: score,
        episodes: 16n,
        // Below, at and above the minimum some jobs set (10).
        passing: [4n, 10n, 16n][(act.c >> 3) % 3]!,
      };
      const proof = settlementProof({
        chainId: h.chain.id,
        escrow: h.d.trainingEscrow,
        jobId: proofJob,
        provider: sender,
        episodesRoot: r.episodesRoot,
        episodes: r.episodes,
        passing: r.passing,
        totalScore: score,
        payout,
      });
      label = 'TrainingEscrow.submitResult';
      jobActedOn = id;
      hash = await escrowWrite('submitResult', [id, r, proof], sender);
      predict = (ts) =>
        act.kind === 'submit' &&
        !!j &&
        j.state === JobState.Claimed &&
        sender === j.provider &&
        ts <= j.submitDeadline &&
        r.passing >= BigInt(j.minPassing);
      apply = (ts) => {
        j!.state = JobState.Submitted;
        j!.payout = payout;
        j!.challengeEndsAt = ts + j!.window;
      };
      break;
    }
    case 'challenge': {
      const j = jobAt(act.b);
      const sender = challengers[act.a % 3]!;
      const bond = act.c % 4 === 0 ? BOND - 1n : BOND + BigInt(act.c % 3);
      label = 'TrainingEscrow.challenge';
      jobActedOn = idAt(act.b);
      hash = await escrowWrite('challenge', [jobActedOn, ROOT(0xbad)], sender, bond);
      predict = (ts) =>
        !!j &&
        j.state === JobState.Submitted &&
        ts < j.challengeEndsAt! &&
        sender !== j.provider &&
        bond >= BOND;
      apply = (ts) => {
        j!.state = JobState.Challenged;
        j!.disputeOpenedAt = ts;
        j!.challenger = sender;
        j!.bond = bond;
        m.escrowIn += bond;
      };
      break;
    }
    case 'verdict': {
      const j = jobAt(act.b);
      const outcome = [
        DisputeOutcome.ProviderWins,
        DisputeOutcome.ChallengerWins,
        DisputeOutcome.ProviderWins,
        DisputeOutcome.ChallengerWins,
        DisputeOutcome.Pending,
      ][act.c % 5]!;
      label = 'TestDisputeResolver.setOutcome';
      hash = await resolverWrite('setOutcome', [idAt(act.b), outcome]);
      void j;
      const id = idAt(act.b);
      apply = () => {
        m.outcomes.set(id, outcome);
      };
      break;
    }
    case 'evaluate': {
      const j = jobAt(act.b);
      const s = evalScores[act.c % evalScores.length]!;
      label = 'TestDisputeResolver.setEvaluation';
      hash = await resolverWrite('setEvaluation', [idAt(act.b), s]);
      const id = idAt(act.b);
      apply = () => {
        m.evaluations.set(id, s);
      };
      void j;
      break;
    }
    case 'resolve': {
      const j = jobAt(act.b);
      label = 'TrainingEscrow.resolveDispute';
      jobActedOn = idAt(act.b);
      hash = await escrowWrite('resolveDispute', [jobActedOn], everyone[act.a % everyone.length]!);
      const outcome = () => m.outcomes.get(jobActedOn!) ?? DisputeOutcome.Pending;
      predict = () => !!j && j.state === JobState.Challenged && outcome() !== DisputeOutcome.Pending;
      apply = () => {
        if (outcome() === DisputeOutcome.ProviderWins) {
          j!.state = JobState.Resolved;
          m.credit(j!.provider!, j!.bond!);
        } else {
          j!.state = JobState.Slashed;
          m.credit(j!.challenger!, j!.bond!);
          m.credit(j!.creator, j!.budget);
          const n = m.node(j!.provider!);
          n.locked -= j!.minStake;
          n.stake -= j!.minStake;
          m.slashed += j!.minStake;
          m.credits.set(j!.challenger!, (m.credits.get(j!.challenger!) ?? 0n) + j!.minStake);
        }
      };
      break;
    }
    case 'finalize': {
      const j = jobAt(act.b);
      label = 'TrainingEscrow.finalize';
      jobActedOn = idAt(act.b);
      hash = await escrowWrite('finalize', [jobActedOn], everyone[act.a % everyone.length]!);
      predict = (ts) =>
        !!j &&
        ((j.state === JobState.Submitted && ts >= j.challengeEndsAt!) || j.state === JobState.Resolved) &&
        (!j.evalRequired || m.evaluations.has(j.id));
      apply = () => {
        let pay = j!.payout!;
        if (j!.evalRequired) {
          const s = BigInt(Math.min(m.evaluations.get(j!.id)!, 1_000_000));
          pay = s < BigInt(j!.minEval) ? 0n : (pay * s) / 1_000_000n;
        }
        const fee = (pay * FEE_BPS) / 10_000n;
        const royalty = j!.author ? (pay * ROYALTY_BPS) / 10_000n : 0n;
        m.credit(j!.provider!, pay - fee - royalty);
        if (j!.author) m.credit(j!.author, j!.usePrice + royalty);
        m.credit(x.feeRecipient, fee);
        m.credit(j!.creator, j!.budget - j!.usePrice - pay);
        m.node(j!.provider!).locked -= j!.minStake;
        j!.state = JobState.Finalized;
      };
      break;
    }
    case 'expire': {
      const j = jobAt(act.b);
      label = 'TrainingEscrow.expire';
      jobActedOn = idAt(act.b);
      hash = await escrowWrite('expire', [jobActedOn], everyone[act.a % everyone.length]!);
      predict = (ts) => {
        if (!j) return false;
        if (j.state === JobState.Open) return ts > j.claimDeadline;
        if (j.state === JobState.Claimed) return ts > j.submitDeadline;
        if (j.state === JobState.Challenged) return ts > j.disputeOpenedAt! + RESOLUTION_TIMEOUT;
        if (j.state === JobState.Submitted || j.state === JobState.Resolved) {
          return j.evalRequired && !m.evaluations.has(j.id) && ts > j.challengeEndsAt! + RESOLUTION_TIMEOUT;
        }
        return false;
      };
      apply = () => {
        if (j!.state !== JobState.Open) m.node(j!.provider!).locked -= j!.minStake;
        if (j!.state === JobState.Challenged) m.credit(j!.challenger!, j!.bond!);
        j!.state = JobState.Expired;
        m.credit(j!.creator, j!.budget);
      };
      break;
    }
    case 'warp': {
      await h.testClient.increaseTime({ seconds: Number(warps[act.c % warps.length]!) });
      await h.testClient.mine({ blocks: 1 });
      log.push(`warp ${warps[act.c % warps.length]}`);
      return;
    }
    case 'donate': {
      const amount = BigInt(act.c % 1000) * 10n ** 15n + 1n;
      await h.testClient.setBalance({
        address: h.d.trainingEscrow,
        value: (await h.balance(h.d.trainingEscrow)) + amount,
      });
      m.donated += amount;
      log.push(`donate ${amount}`);
      await checkInvariants(h, m);
      return;
    }
    case 'withdraw': {
      const who = pickActor(everyone, (w) => (m.balances.get(w) ?? 0n) > 0n);
      const owed = m.balances.get(who) ?? 0n;
      label = 'TrainingEscrow.withdraw';
      hash = await escrowWrite('withdraw', [], who);
      predict = () => owed > 0n;
      apply = () => {
        m.escrowOut += owed;
        m.balances.set(who, 0n);
      };
      break;
    }
    case 'topUp': {
      const who = providers[act.a % 3]!;
      const amount = BigInt(act.c % 3) * parseEther('1');
      label = 'NodeRegistry.topUp';
      hash = await registryWrite('topUp', [], who, amount);
      predict = () => m.node(who).registered && amount > 0n;
      apply = () => {
        m.node(who).stake += amount;
        m.stakeIn += amount;
      };
      break;
    }
    case 'unbond': {
      const who = providers[act.a % 3]!;
      const amount = BigInt(act.c % 4) * parseEther('1');
      label = 'NodeRegistry.requestUnbonding';
      hash = await registryWrite('requestUnbonding', [amount], who);
      predict = () => m.node(who).registered && amount > 0n && amount <= m.free(who);
      apply = (ts) => {
        m.node(who).unbonding += amount;
        m.node(who).releaseAt = ts + m.unbondingDelay;
      };
      break;
    }
    case 'withdrawUnbonded': {
      const who = pickActor(providers, (w) => m.node(w).unbonding > 0n);
      label = 'NodeRegistry.withdrawUnbonded';
      hash = await registryWrite('withdrawUnbonded', [], who);
      predict = (ts) => m.node(who).registered && m.node(who).unbonding > 0n && ts >= m.node(who).releaseAt;
      apply = () => {
        const n = m.node(who);
        n.stake -= n.unbonding;
        m.stakeOut += n.unbonding;
        n.unbonding = 0n;
      };
      break;
    }
    case 'withdrawCredit': {
      const who = pickActor(challengers, (w) => (m.credits.get(w) ?? 0n) > 0n);
      const owed = m.credits.get(who) ?? 0n;
      label = 'NodeRegistry.withdrawCredit';
      hash = await registryWrite('withdrawCredit', [], who);
      predict = () => owed > 0n;
      apply = () => {
        m.registryOut += owed;
        m.credits.set(who, 0n);
      };
      break;
    }
  }

  if (process.env.CONTRACTS_FUZZ_TRACE) console.log('sent', act.kind, act.a, act.b, act.c, hash);
  const receipt = await receiptOf(h.client, hash!);
  const ts = (await h.client.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
  const expected = predict(ts);
  const ok = receipt.status === 'success';
  log.push(`${act.kind}(${act.a},${act.b},${act.c}) job=${jobActedOn ?? '-'} → ${ok ? 'ok' : 'revert'}`);
  assert.equal(
    ok,
    expected,
    `${label}: model expected ${expected ? 'success' : 'revert'}\n${log.join('\n')}`,
  );
  if (!ok && act.kind === 'replay' && picked?.state === JobState.Claimed)
    coverage.set('replay:refused', (coverage.get('replay:refused') ?? 0) + 1);
  if (ok) {
    coverage.set(act.kind, (coverage.get(act.kind) ?? 0) + 1);
    if (act.kind === 'resolve') {
      const key =
        m.outcomes.get(jobActedOn!) === DisputeOutcome.ChallengerWins ? 'resolve:slash' : 'resolve:provider';
      coverage.set(key, (coverage.get(key) ?? 0) + 1);
    }
    apply(ts);
    h.gas.add(label, receipt.gasUsed);
    checkEvents(m, receipt, jobActedOn, log);
  }
  await checkInvariants(h, m, jobActedOn, log);
}
