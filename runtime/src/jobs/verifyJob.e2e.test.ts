// The on-chain layers of `palestra verify <job id>` on a real anvil chain, where they must fail: a
// job claimed but never submitted; a result sent through a wallet contract, whose transaction does
// not carry the escrow's call; a tampered proof and a proof replayed from another job, which the
// escrow recorded while its verifier accepted anything and which the real verifier refuses when
// asked again; a transaction that carries a valid proof while the contract it went to sent the escrow
// another; a job opened with a verifier other than the one chain.json names, or with the development
// placeholder; and a chain that does not answer. Each fails its layer with a message naming why,
// and the CLI exits 1.
//
// How the escrow comes to record what it should not: the escrow checks every proof with the job's
// verifier, so a forged result is recorded only while that verifier accepts anything. anvil_setCode
// stands in for such a verifier (a bug since fixed, a bad upgrade): its code is swapped for one that
// returns true, the forged results are submitted, and the real code is put back before verifying.
// The same cheat code makes the provider's address a wallet contract that forwards calls.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type ChainInfo,
  chainDown,
  chainUp,
  checkSubmissionOnChain,
  type DeployOptions,
  devAccounts,
  episodesRootOf,
  freePort,
  gymMarketplaceAbi,
  iSettlementVerifierAbi,
  nodeRegistryAbi,
  PriceRule,
  readChainInfo,
  receiptOf,
  TaskType,
  trainingEscrowAbi,
} from '@palestra/contracts';
import { releaseProver } from '@palestra/contracts/settlement';
import { settlementProof } from '@palestra/testing/contracts';
import { closedPort } from '@palestra/testing/llm';
import {
  type Address,
  type Chain,
  concat,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  numberToHex,
  type PublicClient,
  parseEther,
  size,
  type WalletClient,
} from 'viem';
import { foundry } from 'viem/chains';
import { checkStoredProof, readJobSubmission } from './jobSubmission.ts';
import { run } from './run.ts';
import { score } from './score.ts';
import { settle } from './settle.ts';
import { verifyJob } from './verifyJob.ts';
import type { LayerVerdict } from './verifyRun.ts';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-verify-job-e2e-'));
const chainDir = join(dir, 'chain');
/** A second chain, deployed with the development placeholder verifier. */
const placeholderChainDir = join(dir, 'placeholder-chain');
const runsDir = join(dir, 'runs'); // empty: these tests are about the on-chain layers
mkdirSync(runsDir);

after(async () => {
  await releaseProver();
  await chainDown({ dir: chainDir });
  await chainDown({ dir: placeholderChainDir });
  rmSync(dir, { recursive: true, force: true });
});

const [owner, author, creator, provider, relayer] = devAccounts as [
  Address,
  Address,
  Address,
  Address,
  Address,
];
const ZERO = `0x${'00'.repeat(32)}` as Hex;
/** Runtime code that returns 32 bytes of 1 whatever it is asked: `verify` says true to anything. */
const ALWAYS_TRUE = '0x600160005260206000f3' as Hex;
/** Its creation code: copy those 10 bytes to memory and return them. */
const ALWAYS_TRUE_INIT = '0x69600160005260206000f3600052600a6016f3' as Hex;

/**
 * Runtime code of a minimal wallet: forwards its calldata from byte `from` on to `target` (so the
 * call comes from the wallet's address), and reverts with the target's revert data.
 */
function forwarder(target: Address, from: number): Hex {
  const push2 = numberToHex(from, { size: 2 }).slice(2);
  const head = [
    `61${push2}`, // PUSH2 from
    '36', // CALLDATASIZE
    '03', // SUB: size = calldatasize - from
    '80', // DUP1
    `61${push2}`, // PUSH2 from
    '6000', // PUSH1 0
    '37', // CALLDATACOPY(0, from, size)
    '6000', // retSize
    '6000', // retOffset
    '82', // DUP3: argsSize = size
    '6000', // argsOffset
    '6000', // value
    `73${target.slice(2)}`, // PUSH20 target
    '5a', // GAS
    'f1', // CALL
  ].join('');
  const tail = '3d60006000' + '3e' + '3d6000fd'; // RETURNDATACOPY(0, 0, size); REVERT(0, size)
  const jumpdest = (head.length + 4 /* PUSH1 dest */ + 2 /* JUMPI */ + tail.length) / 2;
  return `0x${head}60${numberToHex(jumpdest, { size: 1 }).slice(2)}57${tail}5b00`;
}

/** A local chain as `palestra chain up` leaves it, with the calls these tests make on it. */
interface TestChain {
  dir: string;
  info: ChainInfo;
  client: PublicClient;
  wallet: WalletClient;
  chain: Chain;
  send: (account: Address, request: Record<string, unknown>) => Promise<void>;
}

/** Starts a chain in `chainDir` with the contracts deployed (`deploy` as chain up takes it). */
async function startChain(chainDir: string, deploy?: DeployOptions): Promise<TestChain> {
  await chainUp({ dir: chainDir, port: await freePort(), ...(deploy ? { deploy } : {}) });
  const info = readChainInfo(chainDir)!;
  const chain = { ...foundry, rpcUrls: { default: { http: [info.rpcUrl] } } };
  const client = createPublicClient({
    chain,
    transport: http(info.rpcUrl),
    pollingInterval: 50,
  }) as PublicClient;
  const wallet = createWalletClient({ chain, transport: http(info.rpcUrl) });
  const send = async (account: Address, request: Record<string, unknown>) => {
    const hash = await wallet.writeContract({ account, chain, ...request } as never);
    assert.equal((await receiptOf(client, hash)).status, 'success');
  };
  return { dir: chainDir, info, client, wallet, chain, send };
}

/** Environment 1 with a published version, and the provider registered with stake for a few claims. */
async function openMarket({ info, send }: TestChain): Promise<void> {
  await send(author, {
    address: info.contracts.gymMarketplace,
    abi: gymMarketplaceAbi,
    functionName: 'createEnvironment',
    args: ['echo-target', ['demo']],
  });
  await send(author, {
    address: info.contracts.gymMarketplace,
    abi: gymMarketplaceAbi,
    functionName: 'publishVersion',
    args: [1n, `0x${'e1'.repeat(32)}`, 'ipfs://echo', 'MIT', 0n, 0],
  });
  await send(provider, {
    address: info.contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'register',
    args: [1, 'provider', { acceleratorClass: 1, taskTypes: 0b11111, region: 'local' }],
    value: parseEther('10'), // each claim locks the job's minimum stake of 1
  });
}

/** A job opened by the creator and claimed by the provider: an evaluation of environment 1, paid per score. */
async function openAndClaim({ client, info, send }: TestChain, jobId: bigint): Promise<void> {
  const escrow = info.contracts.trainingEscrow;
  const now = (await client.getBlock()).timestamp;
  await send(creator, {
    address: escrow,
    abi: trainingEscrowAbi,
    functionName: 'openJob',
    args: [
      {
        taskType: TaskType.Evaluation,
        envVersionId: 1n,
        datasetRoot: ZERO,
        baseModel: `0x${'ba'.repeat(32)}`,
        priceRule: PriceRule.PerScore,
        rate: 10n ** 9n,
        minStake: parseEther('1'),
        claimDeadline: now + 86_400n,
        submitDeadline: now + 3n * 86_400n,
        challengeWindow: 86_400n,
        evalRequired: false,
        minEvalScore: 0,
        minPassing: 0,
      },
    ],
    value: parseEther('1'),
  });
  await send(provider, { address: escrow, abi: trainingEscrowAbi, functionName: 'claim', args: [jobId] });
}

/** What submitResult takes as the result, for the run proven in `before`. */
interface ProvenResult {
  episodesRoot: Hex;
  adapterRoot: Hex;
  metricsRoot: Hex;
  totalScore: bigint;
  episodes: bigint;
  passing: bigint;
}

const submitCall = (jobId: bigint, result: ProvenResult, proof: Hex) =>
  encodeFunctionData({
    abi: trainingEscrowAbi,
    functionName: 'submitResult',
    args: [jobId, result, proof] as never,
  });

/** The chain most tests share. */
let main: TestChain;
let client: PublicClient;
let escrow: Address;
let verifier: Address;
/** The proofs `palestra prove` made for jobs 3 and 5, and the result they prove. */
const proven = new Map<bigint, { proof: Hex; result: ProvenResult }>();

before(async () => {
  main = await startChain(chainDir);
  ({ client } = main);
  const { wallet, chain, send } = main;
  const setCode = async (address: Address, code: Hex) => {
    await client.request({ method: 'anvil_setCode' as never, params: [address, code] as never });
  };
  escrow = main.info.contracts.trainingEscrow;
  verifier = main.info.contracts.settlementVerifier;
  await openMarket(main);
  for (let id = 1n; id <= 5n; id++) await openAndClaim(main, id);

  // One scored episode, proven for job 3 and for job 5 (each proof binds its job id).
  const out = join(dir, 'run');
  await run({ env: 'echo-target', agent: 'random', episodes: 1, seed: 1, out });
  const files = readdirSync(out)
    .filter((f) => /^episode-\d+\.jsonl$/.test(f))
    .map((f) => join(out, f));
  await score({ files });
  for (const jobId of [3n, 5n]) {
    const [batch] = (await settle({ run: out, jobId, chainDir })).batches;
    const signals = batch!.publicSignals.map(BigInt);
    proven.set(jobId, {
      proof: batch!.calldata.proof as Hex,
      result: {
        episodesRoot: episodesRootOf(signals),
        adapterRoot: ZERO,
        metricsRoot: ZERO,
        totalScore: signals[8]!,
        episodes: signals[6]!,
        passing: signals[7]!,
      },
    });
  }
  const p3 = proven.get(3n)!;
  const p5 = proven.get(5n)!;

  // While the verifier accepts anything, the forged results are recorded.
  const realCode = (await client.getCode({ address: verifier }))!;
  await setCode(verifier, ALWAYS_TRUE);
  // Job 3: its own proof with one coordinate changed. Job 4: job 3's proof, untouched.
  const tampered =
    `0x${(BigInt(p3.proof.slice(0, 66)) + 1n).toString(16).padStart(64, '0')}${p3.proof.slice(66)}` as Hex;
  await send(provider, {
    address: escrow,
    abi: trainingEscrowAbi,
    functionName: 'submitResult',
    args: [3n, p3.result, tampered],
  });
  await send(provider, {
    address: escrow,
    abi: trainingEscrowAbi,
    functionName: 'submitResult',
    args: [4n, p3.result, p3.proof],
  });
  // The provider's address becomes a wallet contract; a relayer sends to it.
  const relay = async (data: Hex) => {
    const hash = await wallet.sendTransaction({ account: relayer, chain, to: provider, data });
    assert.equal((await receiptOf(client, hash)).status, 'success');
  };
  // Job 2: the wallet's own call (a selector of its own, then the escrow's call).
  await setCode(provider, forwarder(escrow, 4));
  await relay(concat(['0x8a0dac4a', submitCall(2n, p3.result, p3.proof)]));
  // Job 5: a transaction that reads as submitResult with job 5's valid proof, while the wallet sends
  // the escrow what follows it: the same call with a proof of zeros.
  const shown = submitCall(5n, p5.result, p5.proof);
  await setCode(provider, forwarder(escrow, size(shown)));
  await relay(concat([shown, submitCall(5n, p5.result, `0x${'00'.repeat(256)}`)]));
  await setCode(provider, '0x');
  await setCode(verifier, realCode);

  // Job 6: opened after the escrow's owner set a verifier that accepts anything, then set it back.
  const deployed = await wallet.sendTransaction({ account: owner, chain, data: ALWAYS_TRUE_INIT });
  const lenient = (await receiptOf(client, deployed)).contractAddress!;
  await send(owner, {
    address: escrow,
    abi: trainingEscrowAbi,
    functionName: 'setVerifier',
    args: [lenient],
  });
  await openAndClaim(main, 6n);
  await send(owner, {
    address: escrow,
    abi: trainingEscrowAbi,
    functionName: 'setVerifier',
    args: [verifier],
  });
  await send(provider, {
    address: escrow,
    abi: trainingEscrowAbi,
    functionName: 'submitResult',
    args: [6n, p5.result, `0x${'00'.repeat(256)}`],
  });
});

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Job `jobId` verified with an empty runs folder: the on-chain layers, by name. */
async function onChain(
  jobId: bigint,
  on = chainDir,
): Promise<{ ok: boolean; job: LayerVerdict; submission: LayerVerdict }> {
  const r = await verifyJob({ jobId, runsDir, chainDir: on });
  const layer = (name: string) => r.layers.find((l) => l.layer === name)!;
  return { ok: r.ok, job: layer('job'), submission: layer('submission') };
}

test('a job claimed but never submitted: the job layer says so, the submission layer has nothing to check', async () => {
  const r = await onChain(1n);
  assert.equal(r.ok, false);
  assert.equal(r.job.verdict, 'failed');
  assert.match(
    r.job.discrepancy ?? '',
    /^VERIFY_NOT_SUBMITTED: job 1 on escrow 0x[0-9a-fA-F]{40} is Claimed: no result was submitted/,
  );
  assert.match(r.job.hint ?? '', /palestra submit/);
  assert.deepEqual([r.submission.verdict, r.submission.discrepancy], ['failed', 'no submission to check']);
});

test('a result sent through a wallet contract: the proof cannot be read from its transaction', async () => {
  const r = await onChain(2n);
  assert.equal(r.job.verdict, 'ok', r.job.discrepancy);
  assert.equal(r.submission.verdict, 'failed');
  assert.match(
    r.submission.discrepancy ?? '',
    new RegExp(
      `^transaction 0x[0-9a-f]{64} was sent to ${provider}, not to the escrow: the proof the escrow received cannot be read from it`,
    ),
  );
});

test('a tampered proof the escrow recorded is refused by the verifier when asked again; the CLI exits 1', async () => {
  const s = await readJobSubmission({ jobId: 3n, chainDir });
  assert.notEqual(s.submitted?.proof, proven.get(3n)!.proof, 'the tampered proof is the one read back');
  // The verifier itself is sound again: the untouched proof holds for the job's recorded inputs.
  assert.equal(
    await client.readContract({
      address: verifier,
      abi: iSettlementVerifierAbi,
      functionName: 'verify',
      args: [proven.get(3n)!.proof, s.submitted!.publicInputs],
    }),
    true,
  );
  assert.deepEqual(await checkStoredProof(s), {
    ok: false,
    reason: `verifier ${verifier} refuses it: ProofRejected`,
  });
  const cli = palestra('verify', '3', '--runs', runsDir, '--chain-dir', chainDir);
  assert.equal(cli.code, 1, cli.out + cli.err);
  assert.match(cli.out, /│ job\s*│ ok/);
  assert.match(cli.out, /│ submission\s*│ FAILED\s*│ the proof sent in 0x[0-9a-f]{10}…, on verifier/);
  assert.match(cli.out, /refuses it: ProofRejected/);
  assert.match(cli.out, /✘ job 3: submission: verifier 0x[0-9a-fA-F]{40} refuses it: ProofRejected/);
});

test("a proof replayed from another job (its public inputs are that job's) is refused", async () => {
  const r = await onChain(4n);
  assert.equal(r.job.verdict, 'ok', r.job.discrepancy);
  assert.equal(r.submission.verdict, 'failed');
  assert.equal(r.submission.discrepancy, `verifier ${verifier} refuses it: ProofRejected`);
});

test('a transaction that reads as submitResult with a valid proof, sent to a contract that sent the escrow another, fails', async () => {
  const s = await readJobSubmission({ jobId: 5n, chainDir });
  assert.equal(
    s.submitted?.proof,
    undefined,
    'the proof shown in the transaction is not taken for the one sent',
  );
  const r = await onChain(5n);
  assert.equal(r.submission.verdict, 'failed');
  assert.match(r.submission.discrepancy ?? '', new RegExp(`was sent to ${provider}, not to the escrow`));
  // The run's chain layer compares its proof with the one sent: the transaction shows this very
  // proof, but it went to the wallet, so what the escrow got is unreadable and the check fails too.
  const check = await checkSubmissionOnChain(
    { jobId: 5n, publicSignals: s.submitted!.publicInputs, proof: proven.get(5n)!.proof },
    { chainDir },
  );
  assert.equal(check.firstDiscrepancy?.name, 'proof');
  assert.match(
    check.firstDiscrepancy?.found ?? '',
    /^unreadable: the transaction was sent to 0x[0-9a-fA-F]{40}, not to the escrow/,
  );
});

test("a job opened with another verifier than chain.json's: its verdict is not taken for the circuit's", async () => {
  const r = await onChain(6n);
  assert.equal(r.job.verdict, 'ok', r.job.discrepancy);
  assert.equal(r.submission.verdict, 'failed');
  assert.match(
    r.submission.discrepancy ?? '',
    new RegExp(
      `^job 6 was opened with verifier 0x[0-9a-fA-F]{40}, not ${verifier}, the settlement verifier chain.json names`,
    ),
  );
  assert.match(r.submission.hint ?? '', /palestra verify <run> --job 6/);
});

test('a job whose verifier is the development placeholder: the submission was never checked', async () => {
  // A chain whose escrow was deployed with the test verifier (it accepts a hash of the inputs as a
  // proof); chain up marks it as a placeholder in chain.json.
  const c = await startChain(placeholderChainDir, { verifier: undefined });
  assert.equal(c.info.contracts.placeholders?.verifier, true);
  await openMarket(c);
  await openAndClaim(c, 1n);
  const { result } = proven.get(5n)!;
  const escrowAddress = c.info.contracts.trainingEscrow;
  const payout = (await c.client.readContract({
    address: escrowAddress,
    abi: trainingEscrowAbi,
    functionName: 'quotePayout',
    args: [1n, result.totalScore],
  })) as bigint;
  const proof = settlementProof({
    chainId: c.info.chainId,
    escrow: escrowAddress,
    jobId: 1n,
    provider,
    ...result,
    payout,
  });
  await c.send(provider, {
    address: escrowAddress,
    abi: trainingEscrowAbi,
    functionName: 'submitResult',
    args: [1n, result, proof],
  });
  const r = await onChain(1n, placeholderChainDir);
  assert.equal(r.job.verdict, 'ok', r.job.discrepancy);
  assert.equal(r.submission.verdict, 'failed');
  assert.match(r.submission.discrepancy ?? '', /is the development placeholder: it accepts any proof/);
  assert.match(r.submission.hint ?? '', /ZKSettlementVerifier/);
});

test('a chain that does not answer: every layer fails, none passes, the CLI exits 1', async () => {
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const deadDir = join(dir, 'dead-chain');
  mkdirSync(deadDir);
  const info = JSON.parse(readFileSync(join(chainDir, 'chain.json'), 'utf8'));
  writeFileSync(join(deadDir, 'chain.json'), JSON.stringify({ ...info, rpcUrl: dead }));
  const cli = palestra('verify', '3', '--runs', runsDir, '--chain-dir', deadDir);
  assert.equal(cli.code, 1, cli.out + cli.err);
  assert.match(
    cli.out,
    /│ job\s*│ FAILED\s*│ job 3\s*│ VERIFY_CHAIN_UNREADABLE: cannot read job 3 on escrow/,
  );
  assert.ok(cli.out.includes(`at ${dead}`), cli.out);
  assert.match(cli.out, /│ submission\s*│ FAILED/);
  assert.doesNotMatch(cli.out, /│ ok|✔/);
  // The node stops answering after the job was read: asking the verifier fails loudly too.
  const s = await readJobSubmission({ jobId: 3n, chainDir });
  await assert.rejects(checkStoredProof({ ...s, rpcUrl: dead }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'VERIFY_CHAIN_UNREADABLE');
    assert.match(e.message, new RegExp(`cannot read verifier ${verifier} at ${dead}`));
    return true;
  });
});
