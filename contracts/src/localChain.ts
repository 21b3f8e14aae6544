/**
 * The embedded default chain: `chainUp` starts anvil with its state file under `.palestra/chain/`,
 * deploys the contracts once (a second run finds them, running or restored from the state file),
 * funds dev accounts and writes `chain.json` (addresses, RPC URL, pid, a hash of the contract
 * artifacts) where the runtime and the studio read it; `chainDown` stops anvil, which writes its state
 * on the way out. Neither prints anything. The settlement verifier is the Groth16 one
 * (ZKSettlementVerifier); the dispute resolver is still the test one (a placeholder, said so in
 * `contracts.placeholders`). When the artifacts changed since the contracts were deployed, `chainUp`
 * deploys them again and says so in `notice`, rather than keep using stale contracts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { type Address, createPublicClient, createWalletClient, http, isAddress, parseEther } from 'viem';
import { foundry } from 'viem/chains';
import { freePort, processAlive, startAnvil, stopProcess, waitForRpc } from './anvil.ts';
import { type Deployment, type DeployOptions, deploySystem, systemArtifactsHash } from './deploy.ts';
import { ContractsError } from './errors.ts';

export const defaultChainDir = '.palestra/chain';
export const chainInfoVersion = 1;

/** anvil's default dev accounts (mnemonic "test test … junk"); the first deploys. */
export const devAccounts: readonly Address[] = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
  '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
  '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
];

/** What `chain.json` holds. */
export interface ChainInfo {
  version: number;
  rpcUrl: string;
  port: number;
  chainId: number;
  /** Process id of the running anvil, or null once stopped. */
  pid: number | null;
  stateFile: string;
  /**
   * `systemArtifactsHash()` of the code that deployed `contracts`; absent in a chain.json written before
   * it existed (treated as changed).
   */
  artifactsHash?: string;
  contracts: Omit<Deployment, 'blockNumber'> & { blockNumber: string };
}

export interface ChainUpOptions {
  /** Where `chain.json`, `state.json` and `anvil.log` live (default `.palestra/chain`). */
  dir?: string;
  /** Loopback port; default: the one last used, else 8545 when free, else any free port. */
  port?: number;
  /** Extra accounts to fund (besides anvil's ten dev accounts, which start with 10 000 ETH). */
  fund?: Address[];
  /** Balance given to each `fund` account, wei (default 10 000 ETH). */
  fundAmount?: bigint;
  /** Deployment options; the settlement verifier defaults to `'zk'` (the Groth16 verifier). */
  deploy?: DeployOptions;
}

export interface ChainUpResult {
  rpcUrl: string;
  chainId: number;
  pid: number;
  /** True when this call started anvil; false when it was already running. */
  started: boolean;
  /** True when this call deployed the contracts; false when it found them. */
  deployed: boolean;
  /**
   * Why the contracts were deployed again though chain.json named some (their artifacts changed), for
   * the CLI to print; absent otherwise.
   */
  notice?: string;
  contracts: ChainInfo['contracts'];
  devAccounts: readonly Address[];
  infoFile: string;
}

export function chainInfoPath(dir = defaultChainDir): string {
  return join(resolve(dir), 'chain.json');
}

/**
 * Read `chain.json`, or null when there is none.
 *
 * @example
 * const info = readChainInfo(); if (info) console.log(info.contracts.trainingEscrow)
 */
export function readChainInfo(dir = defaultChainDir): ChainInfo | null {
  const file = chainInfoPath(dir);
  if (!existsSync(file)) return null;
  let info: ChainInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as ChainInfo;
  } catch (cause) {
    throw new ContractsError('CHAIN_INFO_INVALID', `${file} is not valid JSON`, {
      cause,
      hint: `delete ${file} and run \`palestra chain up\``,
    });
  }
  const c = info?.contracts;
  const addresses = c && [c.nodeRegistry, c.gymMarketplace, c.trainingEscrow, c.modelRegistry];
  if (
    info?.version !== chainInfoVersion ||
    typeof info.rpcUrl !== 'string' ||
    !addresses?.every((a) => typeof a === 'string' && isAddress(a))
  ) {
    throw new ContractsError(
      'CHAIN_INFO_INVALID',
      `${file} does not look like a chain.json of version ${chainInfoVersion}`,
      {
        details: { file },
        hint: `delete ${resolve(dir)} (contracts will be deployed again) and run \`palestra chain up\``,
      },
    );
  }
  return info;
}

function writeChainInfo(dir: string, info: ChainInfo): void {
  const file = chainInfoPath(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    await waitForRpc(rpcUrl, 1_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start the local chain (or find it running) and make sure the contracts are deployed on it.
 *
 * @example
 * const up = await chainUp({ dir: '.palestra/chain' });
 * up.deployed; // true the first time, false afterwards
 */
export async function chainUp(options: ChainUpOptions = {}): Promise<ChainUpResult> {
  const dir = resolve(options.dir ?? defaultChainDir);
  mkdirSync(dir, { recursive: true });
  const previous = readChainInfo(dir);
  const stateFile = join(dir, 'state.json');

  let rpcUrl: string;
  let pid: number;
  let port: number;
  let started = false;
  if (previous?.pid && processAlive(previous.pid) && (await answers(previous.rpcUrl))) {
    ({ rpcUrl, pid, port } = { rpcUrl: previous.rpcUrl, pid: previous.pid, port: previous.port });
  } else {
    port = options.port ?? previous?.port ?? ((await portFree(8545)) ? 8545 : await freePort());
    if (!(await portFree(port))) {
      throw new ContractsError('PORT_BUSY', `port ${port} on 127.0.0.1 is already in use`, {
        details: { port },
        hint: 'stop what holds it, or pass another port',
      });
    }
    const anvil = await startAnvil({
      port,
      chainId: foundry.id,
      stateFile,
      stateIntervalSeconds: 5,
      detached: true,
      logFile: join(dir, 'anvil.log'),
    });
    ({ rpcUrl, pid } = anvil);
    started = true;
  }

  const chain = { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } };
  const client = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
  const wallet = createWalletClient({ chain, transport: http(rpcUrl), account: devAccounts[0]! });

  const artifactsHash = systemArtifactsHash();
  let contracts = previous?.contracts;
  let deployed = false;
  let notice: string | undefined;
  if (contracts && previous?.artifactsHash !== artifactsHash) {
    // The state file holds contracts built from other sources: restoring them would run old code under
    // new ABIs. Deploy afresh on the same chain; the old ones stay there, unused.
    notice = `the contracts changed since ${chainInfoPath(dir)} was written (artifacts ${previous?.artifactsHash ?? 'unrecorded'}, now ${artifactsHash}): deployed them again at new addresses`;
    contracts = undefined;
  }
  if (!contracts || !(await hasCode(client, contracts))) {
    const d = await deploySystem(wallet, client, { verifier: 'zk', ...options.deploy });
    contracts = { ...d, blockNumber: d.blockNumber.toString() };
    deployed = true;
  }

  const amount = options.fundAmount ?? parseEther('10000');
  for (const account of options.fund ?? []) {
    if ((await client.getBalance({ address: account })) < amount) {
      await client.request({
        method: 'anvil_setBalance' as never,
        params: [account, `0x${amount.toString(16)}`] as never,
      });
    }
  }

  const chainId = await client.getChainId();
  writeChainInfo(dir, {
    version: chainInfoVersion,
    rpcUrl,
    port,
    chainId,
    pid,
    stateFile,
    artifactsHash,
    contracts,
  });
  return {
    rpcUrl,
    chainId,
    pid,
    started,
    deployed,
    ...(notice ? { notice } : {}),
    contracts,
    devAccounts,
    infoFile: chainInfoPath(dir),
  };
}

async function hasCode(
  client: ReturnType<typeof createPublicClient>,
  c: ChainInfo['contracts'],
): Promise<boolean> {
  for (const address of [c.nodeRegistry, c.gymMarketplace, c.trainingEscrow, c.modelRegistry]) {
    const code = await client.getCode({ address });
    if (!code || code === '0x') return false;
  }
  return true;
}

export interface ChainDownResult {
  /** True when a running anvil was stopped. */
  stopped: boolean;
  pid: number | null;
}

/**
 * Stop the local chain started by `chainUp`. Its state file keeps the contracts for the next `chainUp`.
 *
 * @example
 * await chainDown({ dir: '.palestra/chain' });
 */
export async function chainDown(options: { dir?: string } = {}): Promise<ChainDownResult> {
  const dir = resolve(options.dir ?? defaultChainDir);
  const info = readChainInfo(dir);
  if (!info?.pid) return { stopped: false, pid: null };
  const pid = info.pid;
  const alive = processAlive(pid);
  if (alive) await stopProcess(pid);
  writeChainInfo(dir, { ...info, pid: null });
  return { stopped: alive, pid };
}
