/**
 * The ghost state of a random call sequence: a TypeScript model of escrow and registry that predicts
 * every call's success and every balance, and the steering that keeps random sequences going deep.
 */
import { type Address, parseEther } from 'viem';
import { DisputeOutcome, JobState } from '../src/enums.ts';
import { DAY, type Harness } from './harness.ts';

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

export const PRICE = parseEther('0.1');
export const ROYALTY_BPS = 500n;
export const FEE_BPS = 250n;
export const BOND = parseEther('0.1');
export const GAS = 3_000_000n;
export const warps = [3600n, 12n * 3600n, DAY, 2n * DAY, 4n * DAY, 8n * DAY, 31n * DAY];
export const RESOLUTION_TIMEOUT = 30n * DAY;
export const budgets = [parseEther('0.05'), parseEther('1'), parseEther('3'), parseEther('10')];
export const stakes = [parseEther('1'), parseEther('2'), parseEther('4'), 0n, parseEther('1')];
export const scores = [0n, 1n, 500_000n, 3_000_000n, 10n ** 12n];
export const evalScores = [0, 300_000, 600_000, 1_000_000, 2_000_000];

export interface JobModel {
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
  /** The fewest passing episodes a result may prove. */
  minPassing: number;
  provider?: Address;
  challengeEndsAt?: bigint;
  payout?: bigint;
  challenger?: Address;
  bond?: bigint;
  disputeOpenedAt?: bigint;
}

export interface NodeModel {
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
  /** Settlement events and credited amounts per job, as the chain reported them. */
  settledOnChain = new Map<bigint, number>();
  creditedByJob = new Map<bigint, bigint>();

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

export const want: Partial<Record<ActionKind, number[]>> = {
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

export const live = [
  JobState.Open,
  JobState.Claimed,
  JobState.Submitted,
  JobState.Challenged,
  JobState.Resolved,
] as number[];

/**
 * Steer a drawn action so random sequences go deep: most job actions become the next step of a live job
 * (claim an open job, submit a claimed one, …), and withdrawals with nothing to withdraw become the step
 * that would create something to withdraw.
 */
export function retarget(m: Model, act: Action): Action {
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
    [JobState.Submitted]: [
      'challenge',
      'challenge',
      'warp',
      'finalize',
      j.evalRequired ? 'evaluate' : 'finalize',
    ],
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

export const min = (a: bigint, b: bigint) => (a < b ? a : b);
