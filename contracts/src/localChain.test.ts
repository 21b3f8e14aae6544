import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  encodeAbiParameters,
  http,
  keccak256,
  parseEther,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { freePort, processAlive } from './anvil.ts';
import { systemArtifactsHash } from './deploy.ts';
import { ContractsError } from './errors.ts';
import { zkSettlementVerifierAbi } from './generated/index.ts';
import { chainDown, chainInfoPath, chainUp, devAccounts, readChainInfo } from './localChain.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-chain-'));
after(async () => {
  await chainDown({ dir }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

it('chain up deploys once, finds the contracts again (running or restored), and chain down stops anvil', async () => {
  const port = await freePort();
  const extra = '0x000000000000000000000000000000000000bEEF';
  const first = await chainUp({ dir, port, fund: [extra] });
  assert.equal(first.started, true);
  assert.equal(first.deployed, true);
  assert.equal(first.rpcUrl, `http://127.0.0.1:${port}`);
  assert.ok(processAlive(first.pid));
  const info = readChainInfo(dir)!;
  assert.equal(info.pid, first.pid);
  assert.equal(info.contracts.trainingEscrow, first.contracts.trainingEscrow);
  const client = createPublicClient({ transport: http(first.rpcUrl) });
  assert.equal(await client.getBalance({ address: extra }), parseEther('10000'));
  assert.notEqual(await client.getCode({ address: first.contracts.trainingEscrow }), undefined);

  const second = await chainUp({ dir });
  assert.deepEqual([second.started, second.deployed, second.pid], [false, false, first.pid]);
  assert.deepEqual(second.contracts, first.contracts);

  const down = await chainDown({ dir });
  assert.deepEqual(down, { stopped: true, pid: first.pid });
  assert.equal(processAlive(first.pid), false);
  assert.equal(readChainInfo(dir)!.pid, null);
  assert.deepEqual(await chainDown({ dir }), { stopped: false, pid: null });

  const third = await chainUp({ dir });
  assert.deepEqual([third.started, third.deployed], [true, false]);
  assert.deepEqual(third.contracts, first.contracts);
  const again = createPublicClient({ transport: http(third.rpcUrl) });
  assert.ok((await again.getCode({ address: third.contracts.nodeRegistry }))!.length > 2);
  assert.equal(await again.getBalance({ address: extra }), parseEther('10000'));
  await chainDown({ dir });
});

it('chain up deploys the Groth16 verifier, which refuses a hash as a proof; the resolver is the only placeholder', async () => {
  const up = await chainUp({ dir });
  const info = readChainInfo(dir)!;
  assert.deepEqual(info.contracts.placeholders, { verifier: false, resolver: true });
  assert.equal(info.artifactsHash, systemArtifactsHash());
  assert.ok(info.contracts.groth16Verifier);
  const client = createPublicClient({ transport: http(up.rpcUrl) });
  const inputs = Array.from({ length: 10 }, (_, i) => BigInt(i + 1));
  const hashProof = keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [inputs]));
  const refused = await client
    .readContract({
      address: up.contracts.settlementVerifier,
      abi: zkSettlementVerifierAbi,
      functionName: 'verify',
      args: [hashProof, inputs],
    })
    .then(
      () => undefined,
      (e: unknown) =>
        e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : e,
    );
  assert.ok(refused instanceof ContractFunctionRevertedError);
  assert.equal(refused.data?.errorName, 'ProofLength');
});

it('chain up notices contracts built from other sources and deploys them again, saying so', async () => {
  const before = await chainUp({ dir });
  // What chain.json looks like when it was written by code whose bytecode has since changed.
  const file = chainInfoPath(dir);
  const stale = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...stale, artifactsHash: 'sha256:older' }));
  const after = await chainUp({ dir });
  assert.equal(after.deployed, true);
  assert.match(after.notice ?? '', /contracts changed .*sha256:older/);
  assert.notEqual(after.contracts.trainingEscrow, before.contracts.trainingEscrow);
  assert.equal(readChainInfo(dir)!.artifactsHash, systemArtifactsHash());
  const quiet = await chainUp({ dir });
  assert.deepEqual([quiet.deployed, quiet.notice], [false, undefined]);
  await chainDown({ dir });
});

it('a damaged chain.json is an error that says what to do', () => {
  const bad = mkdtempSync(join(tmpdir(), 'palestra-chain-bad-'));
  try {
    writeFileSync(join(bad, 'chain.json'), '{"version": 99}');
    assert.throws(
      () => readChainInfo(bad),
      (e) => e instanceof ContractsError && e.code === 'CHAIN_INFO_INVALID' && /chain up/.test(e.hint ?? ''),
    );
    writeFileSync(join(bad, 'chain.json'), 'not json');
    assert.throws(
      () => readChainInfo(bad),
      (e) => e instanceof ContractsError && e.code === 'CHAIN_INFO_INVALID',
    );
    assert.equal(readChainInfo(join(bad, 'nothing-here')), null);
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});

it('the dev accounts are anvil default mnemonic accounts', () => {
  const mnemonic = 'test test test test test test test test test test test junk';
  assert.deepEqual(
    devAccounts,
    devAccounts.map((_, i) => mnemonicToAccount(mnemonic, { addressIndex: i }).address),
  );
});

it('refuses a port that is already taken, saying so', async () => {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const busy = mkdtempSync(join(tmpdir(), 'palestra-chain-busy-'));
  try {
    await assert.rejects(
      chainUp({ dir: busy, port }),
      (e) => e instanceof ContractsError && e.code === 'PORT_BUSY' && e.message.includes(String(port)),
    );
  } finally {
    server.close();
    rmSync(busy, { recursive: true, force: true });
  }
});
