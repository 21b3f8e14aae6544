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
import { type Address, type Hex, parseEther, parseEventLogs, type TransactionReceipt } from 'viem';
import { DisputeOutcome, JobState, PriceRule, TaskType } from '../src/enums.ts';
import { nodeRegistryAbi, testDisputeResolverAbi, trainingEscrowAbi } from '../src/generated/index.ts';
import { receiptOf } from '../src/receipt.ts';
import { settlementProof } from '../src/settlement.ts';
import { DAY, type Harness, ROOT } from './harness.ts';

// Repeats weight the draw toward the lifecycle, so that 15 calls often carry a job to its end.
export const actionKinds = [
  'open',
  'open',
  'open',
  'claim',
  'claim',
  'claim',
  'submit',
  'submit',
  'submit',
  'replay',
  'challenge',
  'challenge',
  'verdict',
  'verdict',
  'resolve',
  'resolve',
  'evaluate',
  'finalize',
  'finalize',
  'finalize',
  'expire',
  'cancel',
  'warp',
  'warp',
  'withdraw',
  'withdraw',
  'topUp',
  'unbond',
  'withdrawUnbonded',
  'withdrawCredit',
  'withdrawCredit',
  'withdrawCredit',
  'donate',
] as const;
export type ActionKind = (typeof actionKinds)[number];
/** One random call: what to do, and three numbers the handler maps onto actors, jobs and amounts. */
export interface Action {
  kind: ActionKind;
  a: number;
  b: number;
  c: number;
}

const PRICE = parseEther('0.1');
const ROYALTY_BPS = 500n;
const FEE_BPS = 250n;
const BOND = parseEther('0.1');
const GAS = 3_000_000n;
const warps = [3600n, 12n * 3600n, DAY, 2n * DAY, 4n * DAY, 8n * DAY, 31n * DAY];
const RESOLUTION_TIMEOUT = 30n * DAY;
const budgets = [parseEther('0.05'), parseEther('1'), parseEther('3'), parseEther('10')];
const stakes = [parseEther('1'), parseEther('2'), parseEther('4'), 0n, parseEther('1')];
const scores = [0n, 1n, 500_000n, 3_000_000n, 10n ** 12n];
const evalScores = [0, 300_000, 600_000, 1_000_000, 2_000_000];

interface JobModel {
  id: bigint;
  creator: Address;
  state: number;
  budget: bigint;
  usePrice: bigint;
  author: Address | null;
  priceRule: number;
  rate: bigint;
  minStake: bigint;
  claimDeadline: bigint;
  submitDeadline: bigint;
  window: bigint;
  evalRequired: boolean;
  minEval: number;
  provider?: Address;
  challengeEndsAt?: bigint;
  payout?: bigint;
  challenger?: Address;
  bond?: bigint;
  disputeOpenedAt?: bigint;
  settlements: number;
}

interface NodeModel {
  registered: boolean;
  stake: bigint;
  locked: bigint;
  unbonding: bigint;
  releaseAt: bigint;
  provider: boolean;
}

/** The ghost state of one run. */
export class Model {
  jobs: JobModel[] = [];
  balances = new Map<Address, bigint>();
  credits = new Map<Address, bigint>();
  nodes = new Map<Address, NodeModel>();
  escrowIn = 0n;
  escrowOut = 0n;
  donated = 0n;
  stakeIn = 0n;
  stakeOut = 0n;
  slashed = 0n;
  registryOut = 0n;
  /** What the test resolver answers, by job id (it may be told before the job even exists). */
  outcomes = new Map<bigint, number>();
  evaluations = new Map<bigint, number>();

  constructor(
    readonly h: Harness,
    nodes: [Address, bigint, boolean][],
    readonly unbondingDelay: bigint,
  ) {
    for (const [who, stake, provider] of nodes) {
      this.nodes.set(who, { registered: true, stake, locked: 0n, unbonding: 0n, releaseAt: 0n, provider });
      this.stakeIn += stake;
    }
  }
  held(): bigint {
    let sum = 0n;
    for (const j of this.jobs) {
      if (
        [
          JobState.Open,
          JobState.Claimed,
          JobState.Submitted,
          JobState.Challenged,
          JobState.Resolved,
        ].includes(j.state as never)
      )
        sum += j.budget;
      if (j.state === JobState.Challenged) sum += j.bond!;
    }
    return sum;
  }
  credit(who: Address, amount: bigint) {
    if (amount > 0n) this.balances.set(who, (this.balances.get(who) ?? 0n) + amount);
  }
  node(who: Address): NodeModel {
    return (
      this.nodes.get(who) ?? {
        registered: false,
        stake: 0n,
        locked: 0n,
        unbonding: 0n,
        releaseAt: 0n,
        provider: false,
      }
    );
  }
  free(who: Address): bigint {
    const n = this.node(who);
    return n.stake - n.locked - n.unbonding;
  }
}

const want: Partial<Record<ActionKind, number[]>> = {
  cancel: [JobState.Open],
  claim: [JobState.Open],
  submit: [JobState.Claimed],
  replay: [JobState.Claimed],
  challenge: [JobState.Submitted],
  verdict: [JobState.Challenged],
  resolve: [JobState.Challenged],
  evaluate: [JobState.Submitted, JobState.Challenged, JobState.Resolved],
  finalize: [JobState.Submitted, JobState.Resolved],
  expire: [JobState.Open, JobState.Claimed, JobState.Challenged, JobState.Submitted, JobState.Resolved],
};

/** Successful calls per action kind over all runs, so a test can show the sequences reach deep states. */
export const coverage = new Map<string, number>();

const live = [
  JobState.Open,
  JobState.Claimed,
  JobState.Submitted,
  JobState.Challenged,
  JobState.Resolved,
] as number[];

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
          settlements: 0,
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
        j!.settlements++;
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
        episodes: 8n,
      };
      const proof = settlementProof({
        jobId: proofJob,
        provider: sender,
        episodesRoot: r.episodesRoot,
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
        ts <= j.submitDeadline;
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
          j!.settlements++;
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
        j!.settlements++;
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
        j!.settlements++;
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

/**
 * Steer a drawn action so random sequences go deep: most job actions become the next step of a live job
 * (claim an open job, submit a claimed one, …), and withdrawals with nothing to withdraw become the step
 * that would create something to withdraw.
 */
function retarget(m: Model, act: Action): Action {
  if (
    act.a % 4 !== 0 &&
    act.kind === 'withdrawUnbonded' &&
    ![...m.nodes.values()].some((n) => n.unbonding > 0n)
  ) {
    return { ...act, kind: 'unbond', c: 1 + (act.c % 2) };
  }
  if (act.a % 4 !== 0 && act.kind === 'withdrawCredit' && ![...m.credits.values()].some((v) => v > 0n)) {
    const disputed = m.jobs.filter((j) => j.state === JobState.Challenged);
    const j = disputed[act.c % Math.max(disputed.length, 1)];
    if (j)
      return m.outcomes.get(j.id) === DisputeOutcome.ChallengerWins
        ? { kind: 'resolve', a: act.a, b: 1 + 4 * disputed.indexOf(j), c: 0 }
        : { kind: 'verdict', a: act.a, b: 1 + 4 * disputed.indexOf(j), c: 1 };
  }
  // Job actions: a quarter stay as drawn (often invalid on purpose); the rest advance a live job,
  // the oldest one half of the time so that some job usually reaches the end of its lifecycle.
  if (!want[act.kind] || act.a % 4 === 0) return act;
  const liveJobs = m.jobs.filter((j) => live.includes(j.state));
  if (liveJobs.length === 0) return { ...act, kind: 'open' };
  const j = (act.c >> 3) % 2 === 0 ? liveJobs[0]! : liveJobs[(act.c >> 4) % liveJobs.length]!;
  const next: Record<number, ActionKind[]> = {
    [JobState.Open]: ['claim', 'claim', 'claim', 'cancel', 'expire'],
    [JobState.Claimed]: ['submit', 'submit', 'submit', 'replay', 'expire'],
    [JobState.Submitted]: ['challenge', 'challenge', 'warp', 'finalize', j.evalRequired ? 'evaluate' : 'finalize'],
    [JobState.Challenged]: m.outcomes.get(j.id) ? ['resolve', 'resolve', 'verdict'] : ['verdict'],
    [JobState.Resolved]: [j.evalRequired ? 'evaluate' : 'finalize', 'finalize'],
  };
  const options = next[j.state]!;
  const kind = options[act.c % options.length]!;
  const b = want[kind]?.length
    ? 1 + 4 * m.jobs.filter((x) => want[kind]!.includes(x.state)).indexOf(j)
    : act.b;
  // Fresh bits for the handler's own choices (amounts, scores, outcomes), uncorrelated with the kind.
  return { kind, a: act.a, b, c: kind === 'warp' ? 2 : act.c >> 5 };
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** Every escrow event in the receipt names the job acted on; settlements happen at most once per job. */
function checkEvents(m: Model, receipt: TransactionReceipt, jobId: bigint | undefined, log: string[]) {
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
  for (const j of m.jobs) assert.ok(j.settlements <= 1, `job ${j.id} settled ${j.settlements} times`);
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
