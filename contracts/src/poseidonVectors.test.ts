// poseidon-solidity's 2-input Poseidon, deployed on anvil, agrees with the shared settlement vectors
// (contracts/circuits/vectors.json, which the circuit and the TypeScript tree also satisfy): each leaf's
// path climbs to the vectors' root. That is the hash a challenge of one episode recomputes on chain;
// the 7-input leaf hash has no poseidon-solidity version and the chain never needs it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { poseidonT3Abi, poseidonT3Bytecode } from '@palestra/testing/contracts';
import { type Address, createPublicClient, createWalletClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { type AnvilInstance, startAnvil } from './anvil.ts';
import { devAccounts } from './localChain.ts';
import { receiptOf } from './receipt.ts';

interface Vectors {
  batch: { root: string; paths: { index: number; leaf: string; siblings: string[] }[] };
}
const vectors = JSON.parse(
  readFileSync(new URL('../circuits/vectors.json', import.meta.url), 'utf8'),
) as Vectors;

let anvil: AnvilInstance;
let client: ReturnType<typeof createPublicClient>;
let poseidon: Address;

before(async () => {
  anvil = await startAnvil();
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) });
  const wallet = createWalletClient({
    chain: foundry,
    transport: http(anvil.rpcUrl),
    account: devAccounts[0]!,
  });
  const hash = await wallet.deployContract({ abi: poseidonT3Abi, bytecode: poseidonT3Bytecode });
  poseidon = (await receiptOf(client, hash)).contractAddress!;
});
after(() => anvil.stop());

const node = (left: bigint, right: bigint) =>
  client.readContract({ address: poseidon, abi: poseidonT3Abi, functionName: 'hash', args: [[left, right]] });

it('every path of the shared vectors climbs to their root with poseidon-solidity', async () => {
  assert.ok(vectors.batch.paths.length >= 2, 'the vectors hold paths');
  for (const path of vectors.batch.paths) {
    let h = BigInt(path.leaf);
    for (const [k, sibling] of path.siblings.entries())
      h = ((path.index >> k) & 1) === 0 ? await node(h, BigInt(sibling)) : await node(BigInt(sibling), h);
    assert.equal(h, BigInt(vectors.batch.root), `leaf ${path.index}`);
  }
  // A wrong sibling order gives another root: the check above can fail.
  const [first] = vectors.batch.paths;
  assert.notEqual(
    await node(BigInt(first!.siblings[0]!), BigInt(first!.leaf)),
    await node(BigInt(first!.leaf), BigInt(first!.siblings[0]!)),
  );
});
