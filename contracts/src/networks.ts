/**
 * Network presets for leaving the local chain: 0G Galileo testnet and Base Sepolia (viem's chain
 * definitions). The RPC URL and the deployer's private key come from environment variables; a missing
 * one is an error that names it.
 */
import { type Chain, createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { baseSepolia, zeroGTestnet } from 'viem/chains';
import { type Deployment, type DeployOptions, deploySystem } from './deploy.ts';
import { ContractsError } from './errors.ts';

export interface NetworkPreset {
  name: string;
  chain: Chain;
  /** Environment variable holding the RPC URL (falls back to the chain's public RPC when `optionalRpc`). */
  rpcUrlVar: string;
  /** Environment variable holding the deployer's 0x-prefixed private key. */
  privateKeyVar: string;
}

export const networks = {
  /** 0G Galileo testnet, chain id 16602 (viem `zeroGTestnet`). */
  '0g-galileo': {
    name: '0g-galileo',
    chain: zeroGTestnet,
    rpcUrlVar: 'ZG_RPC_URL',
    privateKeyVar: 'ZG_PRIVATE_KEY',
  },
  /** Base Sepolia, chain id 84532. */
  'base-sepolia': {
    name: 'base-sepolia',
    chain: baseSepolia,
    rpcUrlVar: 'BASE_SEPOLIA_RPC_URL',
    privateKeyVar: 'BASE_SEPOLIA_PRIVATE_KEY',
  },
} as const satisfies Record<string, NetworkPreset>;

export type NetworkName = keyof typeof networks;

function required(env: NodeJS.ProcessEnv, name: string, network: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ContractsError('NETWORK_ENV_MISSING', `${name} is not set (the ${what} for ${network})`, {
      details: { variable: name, network },
      hint: `export ${name}=… and run again`,
    });
  }
  return value;
}

/**
 * viem clients for a preset network, configured from the environment.
 *
 * @example
 * const { wallet, client } = networkClients('base-sepolia'); // needs BASE_SEPOLIA_RPC_URL, BASE_SEPOLIA_PRIVATE_KEY
 */
export function networkClients(name: NetworkName, env: NodeJS.ProcessEnv = process.env) {
  const preset: NetworkPreset | undefined = networks[name];
  if (!preset) {
    throw new ContractsError('NETWORK_UNKNOWN', `unknown network "${String(name)}"`, {
      hint: `use one of: ${Object.keys(networks).join(', ')}`,
    });
  }
  const rpcUrl = required(env, preset.rpcUrlVar, preset.name, 'JSON-RPC URL');
  const key = required(env, preset.privateKeyVar, preset.name, 'deployer private key');
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new ContractsError(
      'NETWORK_KEY_INVALID',
      `${preset.privateKeyVar} is not a 0x-prefixed 32-byte hex key`,
      {
        details: { variable: preset.privateKeyVar },
        hint: `set ${preset.privateKeyVar} to the key as 0x followed by 64 hex digits`,
      },
    );
  }
  const account = privateKeyToAccount(key as Hex);
  const transport = http(rpcUrl);
  return {
    preset,
    rpcUrl,
    account,
    client: createPublicClient({ chain: preset.chain, transport }),
    wallet: createWalletClient({ chain: preset.chain, transport, account }),
  };
}

/**
 * Deploy the system to a preset network from the environment's key. The test verifier and resolver
 * accept whatever their deployer says, so on a public network they must be asked for explicitly.
 *
 * @example
 * await deployToNetwork('0g-galileo', { verifier: '0x…', resolver: '0x…' });
 */
export async function deployToNetwork(
  name: NetworkName,
  options: DeployOptions & { allowPlaceholders?: boolean } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Deployment> {
  if ((!options.verifier || !options.resolver) && !options.allowPlaceholders) {
    throw new ContractsError(
      'PLACEHOLDERS_REFUSED',
      `refusing to deploy the test verifier or resolver to ${name}`,
      {
        details: { network: name },
        hint: 'pass the addresses of a deployed ISettlementVerifier and IDisputeResolver, or allowPlaceholders: true for a throwaway deployment',
      },
    );
  }
  const { wallet, client } = networkClients(name, env);
  return deploySystem(wallet, client as never, options);
}
