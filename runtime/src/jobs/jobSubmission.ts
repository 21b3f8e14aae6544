/**
 * A job's submission as the chain holds it, for `palestra verify <job id>`: the job (state,
 * provider, the verifier it was opened with), the result the escrow recorded, the public inputs
 * the escrow built for it (ISettlementVerifier's layout, as `TrainingEscrow.settlementInputs`
 * builds them), and the proof bytes the submitting transaction carried. `checkStoredProof` asks
 * the job's own verifier contract again whether that proof holds for those inputs, so a checker
 * who has no local run still learns whether the chain's record is proven. Only reads: no
 * transaction is sent.
 *
 * @example
 * const s = await readJobSubmission({ jobId: 1n, chainDir: '.palestra/chain' });
 * if (s.submitted) console.log(s.submitted.episodesRoot, await checkStoredProof(s));
 */
import {
  defaultChainDir,
  iSettlementVerifierAbi,
  JobState,
  readChainInfo,
  sentProof,
  trainingEscrowAbi,
  zkSettlementVerifierAbi,
} from '@palestra/contracts';
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  getAddress,
  type Hash,
  type Hex,
  http,
  type PublicClient,
} from 'viem';
import { VerifyError } from './verifyErrors.ts';

/** What the escrow recorded for a submitted job, and how it was sent. */
export interface SubmittedResult {
  episodesRoot: Hex;
  episodes: bigint;
  passing: bigint;
  totalScore: bigint;
  payout: bigint;
  /** The 10 public inputs the escrow verified the proof against (chain id … payout). */
  publicInputs: bigint[];
  /** The transaction whose `ResultSubmitted` event recorded the result (absent if no event was found). */
  transactionHash?: Hash;
  /** The contract that transaction was sent to: the escrow itself, or a wallet or relayer in between. */
  sentTo?: Address;
  /** The proof bytes the escrow received: read only from a `submitResult` call sent to the escrow itself. */
  proof?: Hex;
}

export interface JobSubmission {
  jobId: bigint;
  chainId: bigint;
  escrow: Address;
  rpcUrl: string;
  /** The job's state by name (`Submitted`, `Finalized`, …). */
  state: string;
  provider: Address;
  /** The verifier the job was opened with (the escrow calls it, not the current default). */
  verifier: Address;
  /** The settlement verifier chain.json names: the one deployed for the committed circuit. */
  settlementVerifier: Address;
  /** True when that verifier is the chain's development placeholder (it accepts any proof). */
  placeholderVerifier: boolean;
  /** The recorded result; undefined while none was submitted. */
  submitted?: SubmittedResult;
}

const stateName = (s: number) => Object.entries(JobState).find(([, v]) => v === s)?.[0] ?? String(s);
/** Revert reasons of the verifier decode by name. */
const verifierAbi = [...iSettlementVerifierAbi, ...zkSettlementVerifierAbi.filter((x) => x.type === 'error')];

function connect(chainDir: string): {
  client: PublicClient;
  info: NonNullable<ReturnType<typeof readChainInfo>>;
} {
  const info = readChainInfo(chainDir);
  if (!info)
    throw new VerifyError('VERIFY_CHAIN_UNREADABLE', `no chain.json in ${chainDir}`, {
      details: { chainDir },
      hint: 'start the local chain with palestra chain up, or pass the folder of its chain.json (--chain-dir)',
    });
  return { info, client: createPublicClient({ transport: http(info.rpcUrl) }) as PublicClient };
}

function unreadable(e: unknown, what: string, rpcUrl: string): VerifyError {
  const reverted = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
  const unknownJob =
    reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName === 'UnknownJob';
  return new VerifyError(
    'VERIFY_CHAIN_UNREADABLE',
    unknownJob ? `${what} does not exist` : `cannot read ${what} at ${rpcUrl}: ${String(e).split('\n')[0]}`,
    {
      cause: e,
      details: { rpcUrl },
      hint: unknownJob
        ? 'check the job id (jobs are numbered from 1 on each escrow) and that --chain-dir is the chain it is on'
        : 'start the chain (palestra chain up) or check chain.json',
    },
  );
}

/**
 * Reads job `jobId` and its submitted result from the chain `chain.json` in `chainDir` describes.
 * Throws `VERIFY_CHAIN_UNREADABLE` when there is no chain.json, no answer, or no such job.
 *
 * @example
 * const s = await readJobSubmission({ jobId: 1n });
 */
export async function readJobSubmission(options: {
  jobId: bigint;
  chainDir?: string;
}): Promise<JobSubmission> {
  const { jobId } = options;
  const { client, info } = connect(options.chainDir ?? defaultChainDir);
  const escrow = getAddress(info.contracts.trainingEscrow);
  const what = `job ${jobId} on escrow ${escrow}`;
  const read = async <T>(functionName: 'job' | 'result', args: unknown[]): Promise<T> => {
    try {
      return (await client.readContract({
        address: escrow,
        abi: trainingEscrowAbi,
        functionName,
        args,
      } as never)) as T;
    } catch (e) {
      throw unreadable(e, what, info.rpcUrl);
    }
  };
  const job = await read<{ state: number; provider: Address; verifier: Address }>('job', [jobId]);
  const base = {
    jobId,
    chainId: BigInt(info.chainId),
    escrow,
    rpcUrl: info.rpcUrl,
    state: stateName(job.state),
    provider: getAddress(job.provider),
    verifier: getAddress(job.verifier),
    settlementVerifier: getAddress(info.contracts.settlementVerifier),
    placeholderVerifier:
      info.contracts.placeholders?.verifier === true &&
      getAddress(info.contracts.settlementVerifier) === getAddress(job.verifier),
  };
  // A result exists once submitResult succeeded: its event is the record of when and how.
  let logs: Awaited<ReturnType<typeof client.getContractEvents>>;
  try {
    logs = await client.getContractEvents({
      address: escrow,
      abi: trainingEscrowAbi,
      eventName: 'ResultSubmitted',
      args: { jobId },
      fromBlock: 0n,
    });
  } catch (e) {
    throw unreadable(e, `the ResultSubmitted events of ${what}`, info.rpcUrl);
  }
  const log = logs[0];
  if (!log) return base;
  const r = await read<{
    episodesRoot: Hex;
    episodes: bigint;
    passing: bigint;
    totalScore: bigint;
    payout: bigint;
  }>('result', [jobId]);
  const root = BigInt(r.episodesRoot);
  const publicInputs = [
    base.chainId,
    BigInt(escrow),
    jobId,
    BigInt(base.provider),
    root >> 128n,
    root & ((1n << 128n) - 1n),
    BigInt(r.episodes),
    BigInt(r.passing),
    r.totalScore,
    r.payout,
  ];
  let sent: { to?: Address; proof?: Hex } = {};
  if (log.transactionHash) {
    let tx: Awaited<ReturnType<typeof client.getTransaction>>;
    try {
      tx = await client.getTransaction({ hash: log.transactionHash });
    } catch (e) {
      throw unreadable(e, `transaction ${log.transactionHash}`, info.rpcUrl);
    }
    sent = sentProof(tx, escrow, jobId);
  }
  return {
    ...base,
    submitted: {
      episodesRoot: r.episodesRoot,
      episodes: BigInt(r.episodes),
      passing: BigInt(r.passing),
      totalScore: r.totalScore,
      payout: r.payout,
      publicInputs,
      ...(log.transactionHash ? { transactionHash: log.transactionHash } : {}),
      ...(sent.to ? { sentTo: sent.to } : {}),
      ...(sent.proof ? { proof: sent.proof } : {}),
    },
  };
}

/** Why the submission's proof is not known (see `sentProof` of @palestra/contracts). */
function unreadProof(s: JobSubmission): string {
  const hash = s.submitted?.transactionHash;
  if (!hash) return 'the submitting transaction was not found';
  if (s.submitted?.sentTo && s.submitted.sentTo !== s.escrow)
    return `transaction ${hash} was sent to ${s.submitted.sentTo}, not to the escrow: the proof the escrow received cannot be read from it`;
  return `transaction ${hash} does not call submitResult for job ${s.jobId}: its proof cannot be read`;
}

/**
 * Asks the job's verifier contract (a read-only call) whether the submitted proof holds for the
 * recorded public inputs. Resolves to `{ ok: true }`, or `{ ok: false, reason }` naming the
 * verifier's custom error; throws `VERIFY_CHAIN_UNREADABLE` only when the node does not answer.
 *
 * @example
 * const { ok, reason } = await checkStoredProof(await readJobSubmission({ jobId: 1n }));
 */
export async function checkStoredProof(s: JobSubmission): Promise<{ ok: boolean; reason?: string }> {
  if (!s.submitted?.proof) return { ok: false, reason: unreadProof(s) };
  const client = createPublicClient({ transport: http(s.rpcUrl) });
  try {
    const ok = await client.readContract({
      address: s.verifier,
      abi: verifierAbi,
      functionName: 'verify',
      args: [s.submitted.proof, s.submitted.publicInputs],
    });
    return ok ? { ok } : { ok, reason: `verifier ${s.verifier} returned false` };
  } catch (e) {
    const reverted =
      e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError)
      return {
        ok: false,
        reason: `verifier ${s.verifier} refuses it: ${reverted.data?.errorName ?? 'a revert without a reason'}`,
      };
    throw unreadable(e, `verifier ${s.verifier}`, s.rpcUrl);
  }
}
