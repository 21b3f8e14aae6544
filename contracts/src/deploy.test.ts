import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { foundry } from 'viem/chains';
import { type AnvilInstance, startAnvil } from './anvil.ts';
import { deploySystem } from './deploy.ts';
import { ContractsError } from './errors.ts';
import { nodeRegistryAbi, trainingEscrowAbi } from './generated/index.ts';
import { devAccounts } from './localChain.ts';

let anvil: AnvilInstance;
let client: PublicClient;
let wallet: WalletClient<Transport, Chain, Account>;

before(async () => {
  anvil = await startAnvil();
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) });
  wallet = createWalletClient({
    chain: foundry,
    transport: http(anvil.rpcUrl),
    account: devAccounts[0]!,
  });
});
after(() => anvil.stop());

it('wires the system and hands ownership to the given owner', async () => {
  const owner = devAccounts[1]!;
  const first = await deploySystem(wallet, client, { owner, protocolFeeBps: 100 });
  assert.deepEqual(first.placeholders, { verifier: true, resolver: true });
  const read = (
    address: `0x${string}`,
    abi: typeof nodeRegistryAbi | typeof trainingEscrowAbi,
    functionName: string,
  ) => client.readContract({ address, abi, functionName } as never) as Promise<unknown>;
  assert.equal(await read(first.nodeRegistry, nodeRegistryAbi, 'escrow'), first.trainingEscrow);
  assert.equal(await read(first.nodeRegistry, nodeRegistryAbi, 'owner'), owner);
  assert.equal(await read(first.trainingEscrow, trainingEscrowAbi, 'owner'), owner);
  assert.equal(await read(first.trainingEscrow, trainingEscrowAbi, 'protocolFeeBps'), 100);
  assert.equal(await read(first.trainingEscrow, trainingEscrowAbi, 'feeRecipient'), owner);

  const second = await deploySystem(wallet, client, {
    verifier: first.settlementVerifier,
    resolver: first.disputeResolver,
  });
  assert.deepEqual(second.placeholders, { verifier: false, resolver: false });
  assert.equal(await read(second.trainingEscrow, trainingEscrowAbi, 'verifier'), first.settlementVerifier);
  assert.notEqual(second.trainingEscrow, first.trainingEscrow);
});

it('refuses a protocol fee over the cap before sending anything', async () => {
  const before = await client.getTransactionCount({ address: devAccounts[0]! });
  await assert.rejects(
    deploySystem(wallet, client, { protocolFeeBps: 1001 }),
    (e) => e instanceof ContractsError && e.code === 'DEPLOY_INVALID',
  );
  assert.equal(await client.getTransactionCount({ address: devAccounts[0]! }), before);
});
