// poseidon-solidity's 4-input Poseidon, deployed on anvil, agrees with the shared settlement vectors
// (contracts/circuits/vectors.json, which the circuit and the TypeScript tree also satisfy): each leaf's
// path climbs to the vectors' root through the 4-ary tree's nodes. That is the hash a challenge of one episode recomputes on chain;
// the 7-input leaf hash has no poseidon-solidity version and the chain never needs it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { poseidonT5Abi, poseidonT5Bytecode } from '@palestra/testing/contracts';
import { type Address, createPublicClient, createWalletClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { type AnvilInstance, startAnvil } from './anvil.ts';
import { devAccounts } from './localChain.ts';
import { receiptOf } from './receipt.ts';

interface Vectors {
  batch: { root: string; paths: { index: number; leaf: string; siblings: string[][] }[] };
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
  const hash = await wallet.deployContract({ abi: poseidonT5Abi, bytecode: poseidonT5Bytecode });
  poseidon = (await receiptOf(client, hash)).contractAddress!;
});
after(() => anvil.stop());

const node = (children: bigint[]) =>
  client.readContract({
    address: poseidon,
    abi: poseidonT5Abi,
    functionName: 'hash',
    args: [children as [bigint, bigint, bigint, bigint]],
  });

it('every path of the shared vectors climbs to their root with poseidon-solidity', async () => {
  assert.ok(vectors.batch.paths.length >= 2, 'the vectors hold paths');
  for (const path of vectors.batch.paths) {
    let h = BigInt(path.leaf);
    for (const [k, level] of path.siblings.entries()) {
      // The node's place among its four is base-4 digit k of its index; its siblings fill the rest.
      const position = Math.floor(path.index / 4 ** k) % 4;
      const siblings = level.map(BigInt);
      h = await node([...siblings.slice(0, position), h, ...siblings.slice(position)]);
    }
    assert.equal(h, BigInt(vectors.batch.root), `leaf ${path.index}`);
  }
  // The node's place matters, so the check above can fail: leaf 0 put second among its siblings
  // gives another node.
  const [first] = vectors.batch.paths;
  const [s0, s1, s2] = first!.siblings[0]!.map(BigInt);
  assert.notEqual(
    await node([BigInt(first!.leaf), s0!, s1!, s2!]),
    await node([s0!, BigInt(first!.leaf), s1!, s2!]),
  );
});
