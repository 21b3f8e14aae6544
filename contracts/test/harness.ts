/**
 * Test harness: a fresh anvil per test file, the whole system deployed on it, typed contract handles,
 * named actors, snapshots, time travel, a revert matcher over viem's decoded custom errors, and a gas
 * recorder fed from receipts (the gas bench reuses it).
 */
import assert from 'node:assert/strict';
import { reentrancyAttackerAbi, type SettlementClaim, settlementProof } from '@palestra/testing/contracts';
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  getContract,
  type Hash,
  type Hex,
  http,
  parseEther,
  type TransactionReceipt,
} from 'viem';
import { foundry } from 'viem/chains';
import { type AnvilInstance, startAnvil } from '../src/anvil.ts';
import { type DeployOptions, deploySystem } from '../src/deploy.ts';
import { DisputeOutcome, PriceRule, TaskType } from '../src/enums.ts';
import {
  gymMarketplaceAbi,
  modelRegistryAbi,
  nodeRegistryAbi,
  trainingEscrowAbi,
  zkSettlementVerifierAbi,
} from '../src/generated/index.ts';
import { testDisputeResolverAbi } from '../src/generated/TestDisputeResolver.ts';
import { testSettlementVerifierAbi } from '../src/generated/TestSettlementVerifier.ts';
import { devAccounts } from '../src/localChain.ts';
import { receiptOf } from '../src/receipt.ts';

const errorsOf = (abi: Abi) => abi.filter((x) => x.type === 'error');
/** Every custom error of the system, so errors bubbled from one contract through another decode by name. */
export const allErrors = [
  ...errorsOf(nodeRegistryAbi),
  ...errorsOf(gymMarketplaceAbi),
  ...errorsOf(trainingEscrowAbi),
  ...errorsOf(modelRegistryAbi),
  ...errorsOf(testDisputeResolverAbi),
  ...errorsOf(zkSettlementVerifierAbi),
  ...errorsOf(reentrancyAttackerAbi),
] as Abi;

/** The client `reverts` uses to read a mined transaction's revert data (the harness of this test file). */
let traceClient: { request: (args: { method: string; params: unknown[] }) => Promise<unknown> } | undefined;
let receiptClient: ReturnType<typeof createPublicClient> | undefined;

/** Gas used per "Contract.function", from receipts. */
export class GasRecorder {
  readonly samples = new Map<string, bigint[]>();
  add(label: string, gas: bigint) {
    const list = this.samples.get(label) ?? [];
    list.push(gas);
    this.samples.set(label, list);
  }
}

export const actorsOf = (a: readonly Address[]) => ({
  owner: a[0]!,
  author: a[1]!,
  creator: a[2]!,
  provider: a[3]!,
  provider2: a[4]!,
  challenger: a[5]!,
  feeRecipient: a[6]!,
  stranger: a[7]!,
  validator: a[8]!,
});

export const DAY = 24n * 3600n;
export const ROOT = (n: number | bigint): Hex => `0x${BigInt(n).toString(16).padStart(64, '0')}`;

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/**
 * Start anvil, deploy, and return handles. Call `h.close()` in `after`.
 *
 * @example
 * const h = await createHarness(); after(() => h.close());
 */
export async function createHarness(options: DeployOptions = {}) {
  const anvil: AnvilInstance = await startAnvil();
  const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
  const transport = http(anvil.rpcUrl);
  const client = createPublicClient({ chain, transport, pollingInterval: 5 });
  const testClient = createTestClient({ chain, transport, mode: 'anvil' });
  const wallet = createWalletClient({ chain, transport, account: devAccounts[0]! });
  const actors = actorsOf(devAccounts);
  const d = await deploySystem(wallet, client, {
    feeRecipient: actors.feeRecipient,
    minRegistrationStake: parseEther('1'),
    unbondingDelay: 7n * DAY,
    challengeBond: parseEther('0.1'),
    protocolFeeBps: 250,
    ...options,
  });
  const clients = { public: client, wallet };
  const registry = getContract({
    address: d.nodeRegistry,
    abi: [...nodeRegistryAbi, ...allErrors] as unknown as typeof nodeRegistryAbi,
    client: clients,
  });
  const marketplace = getContract({ address: d.gymMarketplace, abi: gymMarketplaceAbi, client: clients });
  const escrow = getContract({
    address: d.trainingEscrow,
    abi: [...trainingEscrowAbi, ...allErrors] as unknown as typeof trainingEscrowAbi,
    client: clients,
  });
  const models = getContract({
    address: d.modelRegistry,
    abi: [...modelRegistryAbi, ...allErrors] as unknown as typeof modelRegistryAbi,
    client: clients,
  });
  const resolver = getContract({ address: d.disputeResolver, abi: testDisputeResolverAbi, client: clients });
  const verifier = getContract({
    address: d.settlementVerifier,
    abi: testSettlementVerifierAbi,
    client: clients,
  });
  const gas = new GasRecorder();
  traceClient = client as never;
  receiptClient = client as never;

  /** Wait for a sent transaction, assert it succeeded, record its gas under `label`. */
  async function tx(label: string, sent: Promise<Hash>): Promise<TransactionReceipt> {
    const hash = await sent;
    const receipt = await receiptOf(client, hash);
    assert.equal(receipt.status, 'success', `${label} reverted`);
    gas.add(label, receipt.gasUsed);
    return receipt;
  }

  let snapshotId: Hex | undefined;
  /** Take the baseline that `reset` returns to. */
  async function snapshot() {
    snapshotId = await testClient.snapshot();
  }
  /** Return the chain to the baseline (anvil drops a snapshot once used, so take it again). */
  async function reset() {
    assert.ok(snapshotId, 'snapshot() first');
    await testClient.revert({ id: snapshotId });
    snapshotId = await testClient.snapshot();
  }

  async function now(): Promise<bigint> {
    return (await client.getBlock()).timestamp;
  }
  /** Move the chain's clock forward and mine a block. */
  async function warp(seconds: bigint) {
    await testClient.increaseTime({ seconds: Number(seconds) });
    await testClient.mine({ blocks: 1 });
  }

  return {
    anvil,
    chain,
    client,
    testClient,
    wallet,
    actors,
    accounts: devAccounts,
    d,
    registry,
    marketplace,
    escrow,
    models,
    resolver,
    verifier,
    gas,
    tx,
    snapshot,
    reset,
    now,
    warp,
    balance: (address: Address) => client.getBalance({ address }),
    close: () => anvil.stop(),
  };
}

/**
 * Assert that `sent` reverts with the custom error `name` (and, when given, exactly `args`). Works both
 * for calls viem refuses before sending (decoded from the estimate) and for transactions anvil mines as
 * reverted (decoded from the transaction's trace), so deadlines are checked at the real block time.
 */
export async function reverts(
  sent: Promise<unknown>,
  name: string,
  args?: readonly unknown[],
): Promise<void> {
  let value: unknown;
  try {
    value = await sent;
  } catch (e) {
    const reverted =
      e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    assert.ok(
      reverted instanceof ContractFunctionRevertedError,
      `expected revert ${name}, got: ${(e as Error).message}`,
    );
    assert.equal(
      reverted.data?.errorName,
      name,
      `expected ${name}, got ${reverted.data?.errorName ?? reverted.signature}`,
    );
    if (args) sameArgs(reverted.data?.args ?? [], args);
    return;
  }
  assert.ok(
    typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value),
    `expected revert ${name}, but the call returned`,
  );
  const hash = value as Hash;
  const receipt = await receiptOf(receiptClient!, hash);
  assert.equal(receipt.status, 'reverted', `expected revert ${name}, but the transaction succeeded`);
  const trace = (await traceClient!.request({
    method: 'debug_traceTransaction',
    params: [hash, { tracer: 'callTracer' }],
  })) as {
    output?: Hex;
  };
  assert.ok(trace.output && trace.output !== '0x', `expected revert ${name}, but the revert carried no data`);
  const decoded = decodeErrorResult({ abi: allErrors, data: trace.output });
  assert.equal(decoded.errorName, name, `expected ${name}, got ${decoded.errorName}`);
  if (args) sameArgs(decoded.args ?? [], args);
}

/** Matches any value in the expected arguments of `reverts` (block timestamps, for instance). */
export const ANY = Symbol('any');

const norm = (v: unknown): unknown =>
  typeof v === 'string'
    ? v.toLowerCase()
    : Array.isArray(v)
      ? v.map(norm)
      : typeof v === 'number'
        ? BigInt(v)
        : v;

// ------------------------------------------------------------------------------------------ scenario helpers

export const caps = (taskTypes = 0b11111) => ({ acceleratorClass: 2, taskTypes, region: 'eu-west' });

export interface JobParamsInput {
  taskType?: number;
  envVersionId?: bigint;
  datasetRoot?: Hex;
  baseModel?: Hex;
  priceRule?: number;
  rate?: bigint;
  minStake?: bigint;
  claimDeadline?: bigint;
  submitDeadline?: bigint;
  challengeWindow?: bigint;
  evalRequired?: boolean;
  minEvalScore?: number;
  minPassing?: number;
}

export async function jobParams(h: Harness, p: JobParamsInput = {}) {
  const t = await h.now();
  return {
    taskType: p.taskType ?? TaskType.GRPO,
    envVersionId: p.envVersionId ?? 1n,
    datasetRoot: p.datasetRoot ?? ROOT(0),
    baseModel: p.baseModel ?? ROOT(0xba5e),
    priceRule: p.priceRule ?? PriceRule.Fixed,
    rate: p.rate ?? 0n,
    minStake: p.minStake ?? parseEther('2'),
    claimDeadline: p.claimDeadline ?? t + DAY,
    submitDeadline: p.submitDeadline ?? t + 3n * DAY,
    challengeWindow: p.challengeWindow ?? DAY,
    evalRequired: p.evalRequired ?? false,
    minEvalScore: p.minEvalScore ?? 0,
    minPassing: p.minPassing ?? 0,
  };
}

/** An environment with one version (id 1 on a fresh chain): price 0.1 ETH per use, 5% royalty. */
export async function publishEnv(h: Harness, price = parseEther('0.1'), royaltyBps = 500, root = ROOT(0xe1)) {
  const { author } = h.actors;
  await h.tx(
    'GymMarketplace.createEnvironment',
    h.marketplace.write.createEnvironment(['refund-desk', ['support', 'refunds']], { account: author }),
  );
  const envId = await h.marketplace.read.environmentCount();
  await h.tx(
    'GymMarketplace.publishVersion',
    h.marketplace.write.publishVersion([envId, root, 'ipfs://meta', 'MIT', price, royaltyBps], {
      account: author,
    }),
  );
  return { envId, versionId: await h.marketplace.read.versionCount() };
}

export async function registerProvider(h: Harness, who: Address, stake = parseEther('5')) {
  await h.tx(
    'NodeRegistry.register',
    h.registry.write.register([1, 'https://provider.example/meta.json', caps()], {
      account: who,
      value: stake,
    }),
  );
}

export async function openJob(
  h: Harness,
  p: JobParamsInput = {},
  budget = parseEther('10'),
  creator = h.actors.creator,
) {
  const params = await jobParams(h, p);
  await h.tx('TrainingEscrow.openJob', h.escrow.write.openJob([params], { account: creator, value: budget }));
  return h.escrow.read.jobCount();
}

export interface ResultFixture {
  episodesRoot: Hex;
  adapterRoot: Hex;
  metricsRoot: Hex;
  totalScore: bigint;
  episodes: bigint;
  passing: bigint;
}

export const result = (n = 1, totalScore = 1_000_000n): ResultFixture => ({
  episodesRoot: ROOT(0xe9_0000 + n),
  adapterRoot: ROOT(0xad_0000 + n),
  metricsRoot: ROOT(0x3e_0000 + n),
  totalScore,
  episodes: 16n,
  passing: 12n,
});

/**
 * The test verifier's proof of `r` for `jobId`, sent by `provider`, on this harness's chain and escrow
 * (each overridable, to forge one for another chain, escrow, job, provider or payout).
 */
export function proofFor(
  h: Harness,
  jobId: bigint,
  provider: Address,
  r: ResultFixture,
  payout: bigint,
  other: Partial<SettlementClaim> = {},
): Hex {
  return settlementProof({
    chainId: h.chain.id,
    escrow: h.d.trainingEscrow,
    jobId,
    provider,
    episodesRoot: r.episodesRoot,
    episodes: r.episodes,
    passing: r.passing,
    totalScore: r.totalScore,
    payout,
    ...other,
  });
}

/** Submit `r` for `jobId` with a proof made for exactly that job, provider and payout. */
export async function submit(
  h: Harness,
  jobId: bigint,
  provider: Address,
  r: ResultFixture = result(Number(jobId)),
) {
  const payout = await h.escrow.read.quotePayout([jobId, r.totalScore]);
  const proof = proofFor(h, jobId, provider, r, payout);
  await h.tx(
    'TrainingEscrow.submitResult',
    h.escrow.write.submitResult([jobId, r, proof], { account: provider }),
  );
  return { payout, proof };
}

export { DisputeOutcome };

function sameArgs(actual: readonly unknown[], expected: readonly unknown[]) {
  const masked = actual.map((v, i) => (expected[i] === ANY ? ANY : v));
  assert.deepEqual(norm(masked), norm(expected));
}
