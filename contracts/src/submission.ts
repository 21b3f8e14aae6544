/**
 * Sending a settlement to the escrow, and checking one that was sent. `submitSettlement` checks a
 * proven result against the job and the chain first (named checks, each a typed error naming the job
 * or the file), simulates `submitResult` and only then sends it; `checkSubmissionOnChain` is the
 * on-chain layer of `palestra verify <job id>`: what the escrow recorded, compared with the local files.
 * The chain is the one `chain.json` describes (`palestra chain up`).
 */
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeAbiParameters,
  decodeFunctionData,
  encodeAbiParameters,
  getAddress,
  type Hash,
  type Hex,
  HttpRequestError,
  http,
  keccak256,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { JobState, TaskType } from './enums.ts';
import { ContractsError } from './errors.ts';
import { nodeRegistryAbi, trainingEscrowAbi, zkSettlementVerifierAbi } from './generated/index.ts';
import { type ChainInfo, defaultChainDir, devAccounts, readChainInfo } from './localChain.ts';
import { receiptOf } from './receipt.ts';
import { PUBLIC_SIGNAL_NAMES } from './settlement/inputs.ts';

/** The names of the 10 public signals, in the verifier's order (ISettlementVerifier's layout). */
const settlementSignalNames = PUBLIC_SIGNAL_NAMES;

/** A proven result, ready to send. */
export interface SettlementSubmission {
  jobId: bigint;
  /** The 10 public signals (public.json). */
  publicSignals: readonly bigint[];
  /** `abi.encode(a, b, c)` of the Groth16 proof (calldata.json's `proof`). */
  proof: Hex;
  /** The trained adapter's root; required unless the job is an evaluation. */
  adapterRoot?: Hex;
  /** A commitment to the run's metrics (not proven); zero when omitted. */
  metricsRoot?: Hex;
  /** The files the signals and the proof came from, named in errors. */
  files?: { publicSignals?: string; proof?: string };
}

export interface ChainTarget {
  /** The folder of `chain.json` (default `.palestra/chain`). */
  chainDir?: string;
  /** Send from this key; by default the job's provider, when the node unlocks it (anvil's dev accounts). */
  privateKey?: Hex;
}

export interface SubmittedSettlement {
  jobId: bigint;
  provider: Address;
  transactionHash: Hash;
  blockNumber: bigint;
  gasUsed: bigint;
  episodesRoot: Hex;
  episodes: bigint;
  passing: bigint;
  totalScore: bigint;
  payout: bigint;
  challengeEndsAt: bigint;
}

const ZERO = `0x${'0'.repeat(64)}` as Hex;
const jobStateName = (s: number) => Object.entries(JobState).find(([, v]) => v === s)?.[0] ?? String(s);
/** Every custom error a submission can meet, so a simulated revert decodes by name. */
const escrowAbi = [
  ...trainingEscrowAbi,
  ...zkSettlementVerifierAbi.filter((x) => x.type === 'error'),
  ...nodeRegistryAbi.filter((x) => x.type === 'error'),
] as unknown as typeof trainingEscrowAbi;

/** One batch's proof, as `palestra prove` writes it: its 10 public signals and `abi.encode(a, b, c)`. */
export interface BatchProof {
  publicSignals: readonly bigint[];
  proof: Hex;
}

/**
 * What one submission of several batch proofs carries (ZKSettlementVerifier's batched form): the
 * escrow's public signals (the batches' context, their totals summed, and as episodes root
 * `keccak256(abi.encode(uint256[] batchRoots))`) and the proof bytes `abi.encode(Batch[])`. One batch is
 * returned as it is. Batches must share chain, escrow, job, provider and payout, and come in run order.
 *
 * @example
 * const { publicSignals, proof } = encodeSettlementBatches([first, second]);
 */
export function encodeSettlementBatches(batches: readonly BatchProof[]): BatchProof {
  if (batches.length === 1) return batches[0]!;
  if (batches.length === 0) throw new ContractsError('SUBMIT_FILE_INVALID', 'no batch proof to submit');
  const [first] = batches as [BatchProof];
  for (const [i, b] of batches.entries())
    for (const k of [0, 1, 2, 3, 9])
      if (b.publicSignals[k] !== first.publicSignals[k])
        throw new ContractsError(
          'SUBMIT_FILE_INVALID',
          `batch ${i}'s ${PUBLIC_SIGNAL_NAMES[k]} (${b.publicSignals[k]}) differs from batch 0's (${first.publicSignals[k]})`,
          {
            details: { batch: i, signal: PUBLIC_SIGNAL_NAMES[k] },
            hint: 'prove every batch of the run for the same job, again',
          },
        );
  const rootOf = (b: BatchProof) => (b.publicSignals[4]! << 128n) | b.publicSignals[5]!;
  const sum = (k: number) => batches.reduce((t, b) => t + b.publicSignals[k]!, 0n);
  const combined = BigInt(keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [batches.map(rootOf)])));
  const proof = encodeAbiParameters(
    [
      {
        type: 'tuple[]',
        components: [
          { name: 'root', type: 'uint256' },
          { name: 'episodes', type: 'uint256' },
          { name: 'passing', type: 'uint256' },
          { name: 'totalScore', type: 'uint256' },
          { name: 'proof', type: 'uint256[8]' },
        ],
      },
    ],
    [
      batches.map((b) => ({
        root: rootOf(b),
        episodes: b.publicSignals[6]!,
        passing: b.publicSignals[7]!,
        totalScore: b.publicSignals[8]!,
        proof: decodeAbiParameters([{ type: 'uint256[8]' }], b.proof)[0],
      })),
    ],
  );
  const publicSignals = [
    ...first.publicSignals.slice(0, 4),
    combined >> 128n,
    combined & ((1n << 128n) - 1n),
    sum(6),
    sum(7),
    sum(8),
    first.publicSignals[9]!,
  ];
  return { publicSignals, proof };
}

/** The episodes root of the signals, as the escrow's bytes32. */
export function episodesRootOf(signals: readonly bigint[]): Hex {
  const root = (signals[4]! << 128n) | signals[5]!;
  return `0x${root.toString(16).padStart(64, '0')}`;
}

interface Connection {
  info: ChainInfo;
  client: PublicClient;
  escrow: Address;
}

function connect(chainDir = defaultChainDir): Connection {
  const info = readChainInfo(chainDir);
  if (!info)
    throw new ContractsError('SUBMIT_NO_CHAIN', `no chain.json in ${chainDir}`, {
      details: { chainDir },
      hint: 'start the local chain with `palestra chain up` (or pass the folder it uses)',
    });
  const chain = { ...foundry, id: info.chainId, rpcUrls: { default: { http: [info.rpcUrl] } } };
  const client = createPublicClient({ chain, transport: http(info.rpcUrl), pollingInterval: 50 });
  return { info, client: client as PublicClient, escrow: getAddress(info.contracts.trainingEscrow) };
}

type OnChainJob = Awaited<ReturnType<typeof readJob>>;

async function readJob(c: Connection, jobId: bigint) {
  try {
    return await c.client.readContract({
      address: c.escrow,
      abi: escrowAbi,
      functionName: 'job',
      args: [jobId],
    });
  } catch (e) {
    const reverted =
      e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName === 'UnknownJob')
      throw new ContractsError('SUBMIT_JOB_STATE', `job ${jobId} does not exist on escrow ${c.escrow}`, {
        details: { jobId: String(jobId), escrow: c.escrow },
        hint: 'check the job id (jobs are numbered from 1 on each escrow), and that chain.json is the chain the job is on',
      });
    if (e instanceof BaseError && e.walk((x) => x instanceof HttpRequestError) instanceof HttpRequestError)
      throw new ContractsError('RPC_UNREACHABLE', `no JSON-RPC answer from ${c.info.rpcUrl}`, {
        cause: e,
        details: { rpcUrl: c.info.rpcUrl },
        hint: 'start the chain (`palestra chain up`) or check chain.json',
      });
    throw e;
  }
}

// ---------------------------------------------------------------- named checks (each throws a typed error)

/** The job waits for a result: it is Claimed. */
export function checkJobClaimed(jobId: bigint, job: Pick<OnChainJob, 'state'>): void {
  if (job.state !== JobState.Claimed)
    throw new ContractsError(
      'SUBMIT_JOB_STATE',
      `job ${jobId} is ${jobStateName(job.state)}: only a Claimed job takes a result`,
      {
        details: { jobId: String(jobId), state: jobStateName(job.state) },
        hint:
          job.state === JobState.Open
            ? 'claim the job first (the provider that claims it submits)'
            : 'a job takes one result: nothing more can be submitted for it',
      },
    );
}

/** The sender is the provider that claimed the job. */
export function checkSender(jobId: bigint, job: Pick<OnChainJob, 'provider'>, sender: Address): void {
  if (getAddress(sender) !== getAddress(job.provider))
    throw new ContractsError(
      'SUBMIT_NOT_PROVIDER',
      `job ${jobId} was claimed by ${job.provider}, not by the sending account ${sender}`,
      {
        details: { jobId: String(jobId), provider: job.provider, sender },
        hint: "send with the claiming provider's key (the proof is bound to its address too)",
      },
    );
}

/** The submit deadline has not passed at the chain's latest block. */
export function checkDeadline(jobId: bigint, job: Pick<OnChainJob, 'submitDeadline'>, now: bigint): void {
  if (now > job.submitDeadline)
    throw new ContractsError(
      'SUBMIT_DEADLINE_PASSED',
      `job ${jobId}'s submit deadline (${job.submitDeadline}) has passed (chain time ${now})`,
      {
        details: { jobId: String(jobId), submitDeadline: String(job.submitDeadline), now: String(now) },
        hint: 'the job can only expire now (`expire` refunds its creator and unlocks your stake)',
      },
    );
}

/** An adapter root is given when the job trains one (every task type but evaluation). */
export function checkAdapter(jobId: bigint, job: Pick<OnChainJob, 'taskType'>, adapterRoot?: Hex): void {
  if (job.taskType !== TaskType.Evaluation && (!adapterRoot || BigInt(adapterRoot) === 0n))
    throw new ContractsError('SUBMIT_ADAPTER_MISSING', `job ${jobId} trains an adapter: give its root`, {
      details: { jobId: String(jobId), taskType: job.taskType },
      hint: 'pass the adapter root (0x + 64 hex digits) of the adapter the run trained',
    });
}

/** The proven pass count meets the job's minimum. */
export function checkPassing(
  jobId: bigint,
  job: Pick<OnChainJob, 'minPassing'>,
  signals: readonly bigint[],
  file = 'public.json',
): void {
  const passing = signals[7]!;
  if (passing < BigInt(job.minPassing))
    throw new ContractsError(
      'SUBMIT_TOO_FEW_PASSING',
      `${file}: ${passing} passing episodes, job ${jobId} asks for at least ${job.minPassing}`,
      {
        details: { jobId: String(jobId), passing: String(passing), minPassing: job.minPassing, file },
        hint: 'the escrow refuses the result (TooFewPassing); run more episodes that pass, then prove again',
      },
    );
}

/**
 * Every public signal the chain builds itself (chain id, escrow, job id, provider, payout) equals
 * the one in the file: otherwise the proof was made for another context and the verifier refuses it.
 */
export function checkSignalsMatchChain(
  signals: readonly bigint[],
  expected: { chainId: bigint; escrow: Address; jobId: bigint; provider: Address; payout: bigint },
  file = 'public.json',
): void {
  if (signals.length !== settlementSignalNames.length)
    throw new ContractsError(
      'SUBMIT_FILE_INVALID',
      `${file}: ${signals.length} public signals, the settlement proof has ${settlementSignalNames.length}`,
      { details: { file }, hint: 'make the proof again with `palestra prove`' },
    );
  const want: [number, bigint][] = [
    [0, expected.chainId],
    [1, BigInt(expected.escrow)],
    [2, expected.jobId],
    [3, BigInt(expected.provider)],
    [9, expected.payout],
  ];
  for (const [i, value] of want)
    if (signals[i] !== value)
      throw new ContractsError(
        'SUBMIT_PUBLIC_MISMATCH',
        `${file}: ${settlementSignalNames[i]} is ${signals[i]}, the chain will compute ${value}`,
        {
          details: {
            file,
            signal: settlementSignalNames[i],
            found: String(signals[i]),
            expected: String(value),
          },
          hint: 'the proof was made for another chain, escrow, job, provider or payout: make it again with `palestra prove` against this chain',
        },
      );
}

// ---------------------------------------------------------------- sending

function accountFor(c: Connection, job: OnChainJob, privateKey?: Hex): Account | Address {
  if (privateKey) return privateKeyToAccount(privateKey);
  const provider = getAddress(job.provider);
  // anvil signs for its dev accounts itself (they are unlocked on the node); only on a local chain.
  if (c.info.chainId === foundry.id && devAccounts.includes(provider)) return provider;
  throw new ContractsError(
    'SUBMIT_NO_ACCOUNT',
    `no key to send as ${provider}, the provider of the job (not an unlocked dev account of the local chain)`,
    {
      details: { provider },
      hint: "give the provider's private key (PALESTRA_PRIVATE_KEY)",
    },
  );
}

/**
 * Check a proven result against the job and the chain, simulate `submitResult`, and send it. Every
 * refusal is a typed error raised before any transaction is sent.
 *
 * @example
 * const sent = await submitSettlement({ jobId: 1n, publicSignals, proof, adapterRoot }, { chainDir: '.palestra/chain' });
 * console.log(sent.transactionHash, sent.payout);
 */
export async function submitSettlement(
  s: SettlementSubmission,
  target: ChainTarget = {},
): Promise<SubmittedSettlement> {
  const publicFile = s.files?.publicSignals ?? 'public.json';
  const c = connect(target.chainDir);
  const job = await readJob(c, s.jobId);
  checkJobClaimed(s.jobId, job);
  const account = accountFor(c, job, target.privateKey);
  const sender = typeof account === 'string' ? account : account.address;
  checkSender(s.jobId, job, sender);
  checkDeadline(s.jobId, job, (await c.client.getBlock()).timestamp);
  checkAdapter(s.jobId, job, s.adapterRoot);
  const totalScore = s.publicSignals[8] ?? 0n;
  const payout = await c.client.readContract({
    address: c.escrow,
    abi: escrowAbi,
    functionName: 'quotePayout',
    args: [s.jobId, totalScore],
  });
  checkSignalsMatchChain(
    s.publicSignals,
    { chainId: BigInt(c.info.chainId), escrow: c.escrow, jobId: s.jobId, provider: sender, payout },
    publicFile,
  );
  checkPassing(s.jobId, job, s.publicSignals, publicFile);

  const result = {
    episodesRoot: episodesRootOf(s.publicSignals),
    adapterRoot: s.adapterRoot ?? ZERO,
    metricsRoot: s.metricsRoot ?? ZERO,
    totalScore,
    episodes: s.publicSignals[6]!,
    passing: s.publicSignals[7]!,
  };
  let request: Parameters<ReturnType<typeof createWalletClient>['writeContract']>[0];
  try {
    ({ request } = await c.client.simulateContract({
      address: c.escrow,
      abi: escrowAbi,
      functionName: 'submitResult',
      args: [s.jobId, result, s.proof],
      account,
    }));
  } catch (e) {
    const walked = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    if (!(walked instanceof ContractFunctionRevertedError)) throw e;
    const name = walked.data?.errorName ?? 'a revert without a reason';
    throw new ContractsError(
      'SUBMIT_REJECTED',
      `the escrow would refuse job ${s.jobId}'s result: ${name}${s.files?.proof ? ` (proof from ${s.files.proof})` : ''}`,
      {
        cause: e,
        details: { jobId: String(s.jobId), error: name, args: String(walked.data?.args ?? '') },
        hint:
          name === 'ProofRejected'
            ? 'the proof does not verify for these inputs on chain: make it again with `palestra prove`'
            : 'nothing was sent; see the error name in TrainingEscrow / ZKSettlementVerifier',
      },
    );
  }
  const wallet = createWalletClient({
    chain: c.client.chain,
    transport: http(c.info.rpcUrl),
    account,
  });
  const hash = await wallet.writeContract(request as never);
  const receipt = await receiptOf(c.client, hash);
  if (receipt.status !== 'success')
    throw new ContractsError('SUBMIT_REJECTED', `transaction ${hash} for job ${s.jobId} reverted`, {
      details: { jobId: String(s.jobId), transactionHash: hash },
      hint: 'the chain changed between the simulation and the transaction (a deadline, another submission); read the job again',
    });
  const after = await readJob(c, s.jobId);
  return {
    jobId: s.jobId,
    provider: sender,
    transactionHash: hash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    episodesRoot: result.episodesRoot,
    episodes: result.episodes,
    passing: result.passing,
    totalScore,
    payout,
    challengeEndsAt: after.challengeEndsAt,
  };
}

// ---------------------------------------------------------------- the on-chain layer of `palestra verify`

export interface OnChainCheckItem {
  /** What was compared, e.g. "episodesRoot", "state", "proof". */
  name: string;
  ok: boolean;
  expected?: string;
  found?: string;
}

export interface OnChainCheck {
  jobId: bigint;
  escrow: Address;
  ok: boolean;
  checks: OnChainCheckItem[];
  /** The first check that failed, for the verdict line. */
  firstDiscrepancy?: OnChainCheckItem;
  /** The transaction that submitted the result, when one did. */
  transactionHash?: Hash;
}

const SETTLED: number[] = [
  JobState.Submitted,
  JobState.Challenged,
  JobState.Resolved,
  JobState.Finalized,
  JobState.Slashed,
];

/**
 * The proof bytes a submitting transaction gave the escrow, and where it was sent. Only a
 * `submitResult` call for this job sent to the escrow itself says what the escrow received: a
 * wallet, multisig or relayer in between shows what it was given, not what it passed on, and a call
 * that reads as `submitResult` with a valid proof may have sent the escrow another. Then `proof` is
 * undefined, and a check that needs it must not pass.
 */
export function sentProof(
  tx: { to: Address | null; input: Hex },
  escrow: Address,
  jobId: bigint,
): { to?: Address; proof?: Hex } {
  const to = tx.to ? getAddress(tx.to) : undefined;
  if (to !== getAddress(escrow)) return to ? { to } : {};
  try {
    const call = decodeFunctionData({ abi: trainingEscrowAbi as Abi, data: tx.input });
    const args = call.args as unknown[];
    if (call.functionName === 'submitResult' && args[0] === jobId) return { to, proof: args[2] as Hex };
  } catch {
    // Not one of the escrow's calls: the proof stays unknown.
  }
  return { to };
}

/**
 * The on-chain layer of `palestra verify <job id>`: the job's recorded result against the local
 * public signals (root, counts, score, payout, provider, chain and escrow) and, when given, the proof
 * bytes against those the submitting transaction carried. It reports; it throws only when the chain
 * cannot be read.
 *
 * @example
 * const r = await checkSubmissionOnChain({ jobId: 1n, publicSignals, proof });
 * if (!r.ok) console.log(r.firstDiscrepancy);
 */
export async function checkSubmissionOnChain(
  s: { jobId: bigint; publicSignals: readonly bigint[]; proof?: Hex },
  target: Pick<ChainTarget, 'chainDir'> = {},
): Promise<OnChainCheck> {
  const c = connect(target.chainDir);
  const checks: OnChainCheckItem[] = [];
  const add = (name: string, expected: unknown, found: unknown) =>
    checks.push({
      name,
      ok: String(expected) === String(found),
      expected: String(expected),
      found: String(found),
    });
  const sig = s.publicSignals;
  add('chainId', sig[0], c.info.chainId);
  add('escrow', sig[1], BigInt(c.escrow));
  let job: OnChainJob | undefined;
  try {
    job = await readJob(c, s.jobId);
  } catch (e) {
    if (!(e instanceof ContractsError)) throw e;
    checks.push({ name: 'job', ok: false, expected: `job ${s.jobId}`, found: 'no such job' });
  }
  let transactionHash: Hash | undefined;
  if (job) {
    const settled = SETTLED.includes(job.state);
    checks.push({
      name: 'state',
      ok: settled,
      expected: 'a submitted result (Submitted, Challenged, Resolved, Finalized or Slashed)',
      found: jobStateName(job.state),
    });
    if (settled) {
      const r = await c.client.readContract({
        address: c.escrow,
        abi: escrowAbi,
        functionName: 'result',
        args: [s.jobId],
      });
      add('provider', sig[3], BigInt(job.provider));
      add('episodesRoot', episodesRootOf(sig), r.episodesRoot);
      add('episodeCount', sig[6], r.episodes);
      add('passCount', sig[7], r.passing);
      add('totalScore', sig[8], r.totalScore);
      add('payout', sig[9], r.payout);
      const [log] = await c.client.getContractEvents({
        address: c.escrow,
        abi: escrowAbi,
        eventName: 'ResultSubmitted',
        args: { jobId: s.jobId },
        fromBlock: 0n,
      });
      transactionHash = log?.transactionHash ?? undefined;
      if (s.proof && transactionHash) {
        const tx = await c.client.getTransaction({ hash: transactionHash });
        const sent = sentProof(tx, c.escrow, s.jobId);
        add(
          'proof',
          s.proof.toLowerCase(),
          sent.proof?.toLowerCase() ??
            (sent.to === getAddress(c.escrow)
              ? `unreadable: the transaction is not a submitResult call for job ${s.jobId}`
              : `unreadable: the transaction was sent to ${sent.to ?? 'no contract'}, not to the escrow`),
        );
      }
    }
  }
  const firstDiscrepancy = checks.find((x) => !x.ok);
  return {
    jobId: s.jobId,
    escrow: c.escrow,
    ok: !firstDiscrepancy,
    checks,
    ...(firstDiscrepancy ? { firstDiscrepancy } : {}),
    ...(transactionHash ? { transactionHash } : {}),
  };
}
