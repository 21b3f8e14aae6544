/**
 * Deploys the whole system with viem and wires it: NodeRegistry, GymMarketplace, a settlement verifier
 * (the Groth16 one with `verifier: 'zk'`, a deployed one by address, else the test one) and a dispute
 * resolver (the test one unless an address is given), TrainingEscrow, then lets the escrow lock and slash
 * stake (`NodeRegistry.setEscrow`, once), then ModelRegistry.
 */
import { createHash } from 'node:crypto';
import type { Account, Address, Chain, Hash, Hex, PublicClient, Transport, WalletClient } from 'viem';
import { getAddress, parseEther } from 'viem';
import { ContractsError } from './errors.ts';
import {
  gymMarketplaceAbi,
  gymMarketplaceBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  nodeRegistryAbi,
  nodeRegistryBytecode,
  settlementGroth16VerifierAbi,
  settlementGroth16VerifierBytecode,
  trainingEscrowAbi,
  trainingEscrowBytecode,
  zkSettlementVerifierAbi,
  zkSettlementVerifierBytecode,
} from './generated/index.ts';
// Deployed for the local development chain only; off the package's exports (the generated index).
import { testDisputeResolverAbi, testDisputeResolverBytecode } from './generated/TestDisputeResolver.ts';
import {
  testSettlementVerifierAbi,
  testSettlementVerifierBytecode,
} from './generated/TestSettlementVerifier.ts';
import { receiptOf } from './receipt.ts';
// The batch size the committed circuit, its ceremony and SettlementGroth16Verifier are for.
import { DEFAULT_BATCH } from './settlement/inputs.ts';

export interface DeployOptions {
  /** Final owner of the registry and the escrow (defaults to the deployer). */
  owner?: Address;
  /** Receives the protocol fee (defaults to the owner). */
  feeRecipient?: Address;
  /** Protocol fee in basis points of a job's payout, at most 1000. */
  protocolFeeBps?: number;
  /** Minimum bond to open a dispute, wei. */
  challengeBond?: bigint;
  /** Minimum stake to register a node, wei. */
  minRegistrationStake?: bigint;
  /** Seconds between requesting unbonding and withdrawing it. */
  unbondingDelay?: bigint;
  /**
   * The settlement verifier: `'zk'` deploys the Groth16 verifier of the committed circuit and
   * ZKSettlementVerifier over it; an address uses a deployed ISettlementVerifier. When omitted the test
   * verifier is deployed (it accepts a hash as a proof: tests and benchmarks only).
   */
  verifier?: Address | 'zk';
  /** A deployed IDisputeResolver. When omitted the test resolver is deployed (development only). */
  resolver?: Address;
}

export interface Deployment {
  chainId: number;
  deployer: Address;
  owner: Address;
  nodeRegistry: Address;
  gymMarketplace: Address;
  trainingEscrow: Address;
  modelRegistry: Address;
  settlementVerifier: Address;
  /** The snarkjs-generated verifier ZKSettlementVerifier calls, when this deployment made it. */
  groth16Verifier?: Address;
  disputeResolver: Address;
  /** True where the test verifier / resolver stand in for the real ones. */
  placeholders: { verifier: boolean; resolver: boolean };
  blockNumber: bigint;
}

export const defaultDeployOptions = {
  protocolFeeBps: 250,
  challengeBond: parseEther('0.1'),
  minRegistrationStake: parseEther('1'),
  unbondingDelay: 7n * 24n * 3600n,
} as const;

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

/**
 * Deploy and wire every contract from `wallet`'s account; returns their addresses.
 *
 * @example
 * const d = await deploySystem(walletClient, publicClient, { protocolFeeBps: 100 });
 * console.log(d.trainingEscrow);
 */
export async function deploySystem(
  wallet: Wallet,
  client: PublicClient,
  options: DeployOptions = {},
): Promise<Deployment> {
  const deployer = wallet.account.address;
  const owner = options.owner ?? deployer;
  const o = { ...defaultDeployOptions, ...options };
  if (o.protocolFeeBps < 0 || o.protocolFeeBps > 1000) {
    throw new ContractsError(
      'DEPLOY_INVALID',
      `protocolFeeBps must be within 0…1000, got ${o.protocolFeeBps}`,
      {
        hint: 'the escrow caps the protocol fee at 10%',
      },
    );
  }

  const receipt = async (hash: Hash) => {
    const r = await receiptOf(client, hash);
    if (r.status !== 'success') {
      throw new ContractsError('DEPLOY_FAILED', `transaction ${hash} reverted during deployment`, {
        hint: 'check the deployer has funds and the options are valid',
      });
    }
    return r;
  };
  const create = async (
    abi: readonly unknown[],
    bytecode: Hex,
    args: readonly unknown[],
  ): Promise<Address> => {
    const hash = await wallet.deployContract({
      abi,
      bytecode,
      args,
      account: wallet.account,
      chain: wallet.chain,
    } as never);
    const r = await receipt(hash);
    return getAddress(r.contractAddress!);
  };

  const nodeRegistry = await create(nodeRegistryAbi, nodeRegistryBytecode, [
    deployer,
    o.minRegistrationStake,
    o.unbondingDelay,
  ]);
  const gymMarketplace = await create(gymMarketplaceAbi, gymMarketplaceBytecode, []);
  let groth16Verifier: Address | undefined;
  let settlementVerifier: Address;
  if (options.verifier === 'zk') {
    groth16Verifier = await create(settlementGroth16VerifierAbi, settlementGroth16VerifierBytecode, []);
    settlementVerifier = await create(zkSettlementVerifierAbi, zkSettlementVerifierBytecode, [
      groth16Verifier,
      BigInt(DEFAULT_BATCH),
    ]);
  } else {
    settlementVerifier =
      options.verifier ?? (await create(testSettlementVerifierAbi, testSettlementVerifierBytecode, []));
  }
  const disputeResolver =
    options.resolver ?? (await create(testDisputeResolverAbi, testDisputeResolverBytecode, []));
  const trainingEscrow = await create(trainingEscrowAbi, trainingEscrowBytecode, [
    owner,
    nodeRegistry,
    gymMarketplace,
    settlementVerifier,
    disputeResolver,
    o.feeRecipient ?? owner,
    o.protocolFeeBps,
    o.challengeBond,
  ]);
  const modelRegistry = await create(modelRegistryAbi, modelRegistryBytecode, [trainingEscrow]);

  const call = async (functionName: 'setEscrow' | 'transferOwnership', arg: Address) => {
    const hash = await wallet.writeContract({
      address: nodeRegistry,
      abi: nodeRegistryAbi,
      functionName,
      args: [arg],
      account: wallet.account,
      chain: wallet.chain,
    });
    return receipt(hash);
  };
  let last = await call('setEscrow', trainingEscrow);
  if (owner !== deployer) last = await call('transferOwnership', owner);

  return {
    chainId: await client.getChainId(),
    deployer,
    owner,
    nodeRegistry,
    gymMarketplace,
    trainingEscrow,
    modelRegistry,
    settlementVerifier,
    ...(groth16Verifier ? { groth16Verifier } : {}),
    disputeResolver,
    placeholders: { verifier: options.verifier === undefined, resolver: options.resolver === undefined },
    blockNumber: last.blockNumber,
  };
}

/**
 * SHA-256 over the bytecode of every contract `deploySystem` may deploy, in a fixed order: it changes
 * exactly when one of them is rebuilt differently, so `chainUp` can tell that the contracts on a chain
 * it restores are not the ones this code was built for.
 *
 * @example
 * if (info.artifactsHash !== systemArtifactsHash()) console.log('contracts changed: deploying again');
 */
export function systemArtifactsHash(): string {
  const h = createHash('sha256');
  for (const code of [
    nodeRegistryBytecode,
    gymMarketplaceBytecode,
    trainingEscrowBytecode,
    modelRegistryBytecode,
    settlementGroth16VerifierBytecode,
    zkSettlementVerifierBytecode,
    testSettlementVerifierBytecode,
    testDisputeResolverBytecode,
  ])
    h.update(code).update('\n');
  return `sha256:${h.digest('hex')}`;
}
