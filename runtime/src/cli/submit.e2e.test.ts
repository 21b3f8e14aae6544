// From a real run to a paid job on a local chain, through the real CLI: `palestra chain up`, a job
// opened and claimed on it, `palestra run echo-target`, `palestra score`, `palestra prove`, then
// `palestra submit` (refusing bad input before any transaction), `finalize` paying exactly the payout
// the proof binds, the on-chain layer of `palestra verify` agreeing with the files, and
// `palestra verify <job id>` finding the run of a job and checking it (passing; failing at records
// on a tampered run; failing every run layer when no run is found; refusing to guess between two).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  checkSubmissionOnChain,
  devAccounts,
  freePort,
  gymMarketplaceAbi,
  nodeRegistryAbi,
  PriceRule,
  readChainInfo,
  receiptOf,
  TaskType,
  trainingEscrowAbi,
} from '@palestra/contracts';
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  parseEther,
} from 'viem';
import { foundry } from 'viem/chains';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-submit-e2e-'));
const chainDir = join(dir, 'chain');
const run = join(dir, 'run');

function palestra(...args: string[]) {
  // Sent as the job's provider, an unlocked dev account of the local chain: no key from the caller's shell.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.PALESTRA_PRIVATE_KEY;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

after(() => {
  palestra('chain', 'down', '--dir', chainDir);
  rmSync(dir, { recursive: true, force: true });
});

const [, author, creator, provider] = devAccounts as [Address, Address, Address, Address];
const RATE = 10n ** 9n; // wei per micro-unit of total score
const BUDGET = parseEther('10');
const PRICE = parseEther('0.1');

test('a run goes from palestra run to a finalized job paying exactly the proven payout', async () => {
  const up = palestra('chain', 'up', '--dir', chainDir, '--port', String(await freePort()));
  assert.equal(up.code, 0, up.err);
  assert.match(up.out, /placeholders \(their deployer decides, development only\): resolver\n/);
  const info = readChainInfo(chainDir)!;
  const chain = { ...foundry, rpcUrls: { default: { http: [info.rpcUrl] } } };
  const client = createPublicClient({ chain, transport: http(info.rpcUrl), pollingInterval: 50 });
  const wallet = createWalletClient({ chain, transport: http(info.rpcUrl) });
  const testClient = createTestClient({ chain, transport: http(info.rpcUrl), mode: 'anvil' });
  const { trainingEscrow: escrow, gymMarketplace, nodeRegistry } = info.contracts;
  const send = async (account: Address, request: Record<string, unknown>) => {
    const hash = await wallet.writeContract({ account, chain, ...request } as never);
    assert.equal((await receiptOf(client, hash)).status, 'success');
  };
  const read = <T>(functionName: string, args: unknown[]) =>
    client.readContract({
      address: escrow,
      abi: trainingEscrowAbi,
      functionName,
      args,
    } as never) as Promise<T>;

  // An environment version, a registered provider, and three jobs: 1 and 2 claimed by the provider, 3 open.
  await send(author, {
    address: gymMarketplace,
    abi: gymMarketplaceAbi,
    functionName: 'createEnvironment',
    args: ['echo-target', ['demo']],
  });
  await send(author, {
    address: gymMarketplace,
    abi: gymMarketplaceAbi,
    functionName: 'publishVersion',
    args: [1n, `0x${'e1'.repeat(32)}`, 'ipfs://echo', 'MIT', PRICE, 500],
  });
  await send(provider, {
    address: nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'register',
    args: [1, 'provider', { acceleratorClass: 1, taskTypes: 0b11111, region: 'local' }],
    value: parseEther('5'),
  });
  const now = (await client.getBlock()).timestamp;
  for (let i = 0; i < 3; i++) {
    await send(creator, {
      address: escrow,
      abi: trainingEscrowAbi,
      functionName: 'openJob',
      args: [
        {
          taskType: TaskType.Evaluation,
          envVersionId: 1n,
          datasetRoot: `0x${'00'.repeat(32)}`,
          baseModel: `0x${'ba'.repeat(32)}`,
          priceRule: PriceRule.PerScore,
          rate: RATE,
          minStake: parseEther('1'),
          claimDeadline: now + 86_400n,
          submitDeadline: now + 3n * 86_400n,
          challengeWindow: 86_400n,
          evalRequired: false,
          minEvalScore: 0,
          minPassing: 1,
        },
      ],
      value: BUDGET,
    });
    if (i < 2)
      await send(provider, {
        address: escrow,
        abi: trainingEscrowAbi,
        functionName: 'claim',
        args: [BigInt(i + 1)],
      });
  }

  // The run, its scores and its proof, by the real CLI. The script echoes each training task's word
  // (list i plays the i-th task of the task's split), so most episodes pass and the score is positive.
  const script = join(dir, 'echo.json');
  const words = ['apple', 'river', 'stone', 'cloud', 'maple', 'tiger'];
  writeFileSync(
    script,
    JSON.stringify({ episodes: words.map((word) => [{ tool: 'echo', arguments: { word } }]) }),
  );
  const ran = palestra(
    'run',
    'echo-target',
    '--agent',
    `scripted:${script}`,
    '--episodes',
    '5',
    '--seed',
    '3',
    '--out',
    run,
  );
  assert.equal(ran.code, 0, ran.err);
  const episodes = readdirSync(run)
    .filter((f) => /^episode-\d+\.jsonl$/.test(f))
    .map((f) => join(run, f));
  const scored = palestra('score', ...episodes);
  assert.equal(scored.code, 0, scored.err);
  const proved = palestra('prove', run, '--job', '1', '--chain-dir', chainDir);
  assert.equal(proved.code, 0, proved.out + proved.err);
  const signals = (JSON.parse(readFileSync(join(run, 'public.json'), 'utf8')) as string[]).map(BigInt);

  // Refused before any transaction: a job in the wrong state, a proof for another job, a hand-edited file.
  const nonce = await client.getTransactionCount({ address: provider });
  const open = palestra('submit', run, '--job', '3', '--chain-dir', chainDir);
  assert.equal(open.code, 1);
  assert.match(open.err, /SUBMIT_JOB_STATE: job 3 is Open/);
  const other = palestra('submit', run, '--job', '2', '--chain-dir', chainDir);
  assert.match(other.err, /SUBMIT_PUBLIC_MISMATCH: .*public\.json: jobId is 1, the chain will compute 2/);
  const proofFile = join(run, 'proof.json');
  const original = readFileSync(proofFile, 'utf8');
  const proof = JSON.parse(original) as { pi_a: string[] };
  proof.pi_a[0] = String(BigInt(proof.pi_a[0]!) + 1n);
  writeFileSync(proofFile, JSON.stringify(proof));
  const edited = palestra('submit', run, '--job', '1', '--chain-dir', chainDir);
  assert.match(edited.err, /SUBMIT_PROOF_INVALID: .*proof\.json does not verify/);
  writeFileSync(proofFile, original);
  assert.equal(await client.getTransactionCount({ address: provider }), nonce, 'nothing was sent');

  // Submitted, then finalized after the challenge window: the provider is credited exactly the payout
  // the proof binds (less the protocol fee and the author's royalty).
  const submitted = palestra('submit', run, '--job', '1', '--chain-dir', chainDir);
  assert.equal(submitted.code, 0, submitted.err);
  assert.match(submitted.out, /✔ job 1: result submitted/);
  const payout = signals[9]!;
  assert.equal(payout, signals[8]! * RATE);
  assert.equal(await read<bigint>('quotePayout', [1n, signals[8]]), payout);
  const again = palestra('submit', run, '--job', '1', '--chain-dir', chainDir);
  assert.match(again.err, /SUBMIT_JOB_STATE: job 1 is Submitted/);

  // A run of 17 episodes: two batch proofs (16 + 1), sent together for job 2.
  const big = join(dir, 'big');
  const ranBig = palestra(
    'run',
    'echo-target',
    '--agent',
    `scripted:${script}`,
    '--episodes',
    '17',
    '--seed',
    '0',
    '--out',
    big,
  );
  assert.equal(ranBig.code, 0, ranBig.err);
  const bigEpisodes = readdirSync(big)
    .filter((f) => /^episode-\d+\.jsonl$/.test(f))
    .map((f) => join(big, f));
  assert.equal(palestra('score', ...bigEpisodes).code, 0);
  const provedBig = palestra('prove', big, '--job', '2', '--chain-dir', chainDir);
  assert.equal(provedBig.code, 0, provedBig.out + provedBig.err);
  const submittedBig = palestra('submit', big, '--job', '2', '--chain-dir', chainDir);
  assert.equal(submittedBig.code, 0, submittedBig.err);
  assert.match(submittedBig.out, /episodes {7}17 \(\d+ passing\)/);
  const bigResult = await read<{ episodes: bigint; payout: bigint }>('result', [2n]);
  assert.equal(bigResult.episodes, 17n);

  const onChain = await checkSubmissionOnChain(
    {
      jobId: 1n,
      publicSignals: signals,
      proof: JSON.parse(readFileSync(join(run, 'calldata.json'), 'utf8')).proof,
    },
    { chainDir },
  );
  assert.equal(onChain.ok, true, JSON.stringify(onChain.firstDiscrepancy));
  const wrong = await checkSubmissionOnChain(
    { jobId: 1n, publicSignals: signals.map((v, i) => (i === 8 ? v + 1n : v)) },
    { chainDir },
  );
  assert.equal(wrong.firstDiscrepancy?.name, 'totalScore');

  await testClient.increaseTime({ seconds: 86_400 });
  await testClient.mine({ blocks: 1 });
  await send(creator, { address: escrow, abi: trainingEscrowAbi, functionName: 'finalize', args: [1n] });
  const fee = (payout * 250n) / 10_000n;
  const royalty = (payout * 500n) / 10_000n;
  assert.equal(await read<bigint>('balanceOf', [provider]), payout - fee - royalty);
  assert.equal(await read<bigint>('balanceOf', [creator]), BUDGET - PRICE - payout);

  // `palestra verify <job id>`: the job on chain, then its run, found under the runs folder (here the
  // test's folder, which holds both runs), checked by every layer.
  const verify = (...args: string[]) => palestra('verify', ...args, '--chain-dir', chainDir);
  const layersOk = (out: string, layers: string[]) => {
    for (const layer of layers) assert.match(out, new RegExp(`│ ${layer}\\s*│ ok`), `${layer} in\n${out}`);
  };
  const ALL = ['job', 'submission', 'records', 'replay', 'scores', 'leaves', 'proof', 'chain'];
  const byId = verify('1', '--runs', dir);
  assert.equal(byId.code, 0, byId.out + byId.err);
  assert.ok(byId.out.includes(`job 1: run ${run} (its proof files carry this submission)`), byId.out);
  layersOk(byId.out, ALL);
  assert.match(byId.out, /✔ job 1 \(run .*\): 5 episodes, every layer checked/);
  // Two batches, combined on chain as submit sent them.
  const byIdBig = verify('2', '--runs', dir);
  assert.equal(byIdBig.code, 0, byIdBig.out + byIdBig.err);
  assert.ok(byIdBig.out.includes(`job 2: run ${big} `), byIdBig.out);
  layersOk(byIdBig.out, ALL);

  // No run under the folder searched: the on-chain layers still pass, every run layer fails, saying
  // where it looked and for which root.
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const none = verify('1', '--runs', empty);
  assert.equal(none.code, 1, none.out);
  layersOk(none.out, ['job', 'submission']);
  for (const layer of ['records', 'replay', 'scores', 'leaves', 'proof', 'chain'])
    assert.match(none.out, new RegExp(`│ ${layer}\\s*│ FAILED`));
  const root = `0x${((signals[4]! << 128n) | signals[5]!).toString(16).padStart(64, '0')}`;
  assert.match(none.out, /VERIFY_RUN_NOT_FOUND: no run under/);
  assert.ok(none.out.includes(`episodes root ${root}`), none.out);
  assert.match(none.out, /--runs <dir>/);
  assert.doesNotMatch(none.out, /✔/);

  // The local run tampered with (one score line): found by its proof files, it fails at records.
  const file = episodes[1]!;
  const text = readFileSync(file, 'utf8');
  const lines = text.trimEnd().split('\n');
  const last = JSON.parse(lines[lines.length - 1]!);
  assert.equal(last.kind, 'score');
  last.reward += 1;
  lines[lines.length - 1] = JSON.stringify(last);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const tampered = verify('1', '--runs', dir);
  assert.equal(tampered.code, 1, tampered.out);
  layersOk(tampered.out, ['job', 'submission']);
  assert.match(tampered.out, /│ records\s*│ FAILED/);
  assert.match(tampered.out, /✘ job 1 \(run .*\): records: .*episode-000001\.jsonl/);
  writeFileSync(file, text);

  // A job with no result yet, and a copied run folder (two runs carry the submission: both named,
  // and naming one verifies it).
  const open3 = verify('3', '--runs', dir);
  assert.equal(open3.code, 1);
  assert.match(open3.out, /│ job\s*│ FAILED/);
  assert.match(open3.out, /VERIFY_NOT_SUBMITTED: job 3 on escrow 0x[0-9a-fA-F]{40} is Open/);
  const copy = join(dir, 'run-copy');
  cpSync(run, copy, { recursive: true });
  const twice = verify('1', '--runs', dir);
  assert.equal(twice.code, 1);
  assert.match(twice.out, /VERIFY_RUN_AMBIGUOUS: 2 runs under/);
  const named = verify(copy, '--job', '1');
  assert.equal(named.code, 0, named.out + named.err);
  layersOk(named.out, ALL);
});
