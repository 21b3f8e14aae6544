// @palestra/contracts: typed ABIs and bytecode, deployment, the local chain and network presets.
export * from './generated/index.ts';
export { anvilBinary, freePort, startAnvil, stopProcess, waitForRpc, type AnvilInstance, type AnvilOptions } from './anvil.ts';
export { deploySystem, defaultDeployOptions, type DeployOptions, type Deployment } from './deploy.ts';
export {
  chainDown,
  chainInfoPath,
  chainUp,
  defaultChainDir,
  devAccounts,
  readChainInfo,
  type ChainDownResult,
  type ChainInfo,
  type ChainUpOptions,
  type ChainUpResult,
} from './localChain.ts';
export { networkClients, networks, type NetworkName, type NetworkPreset } from './networks.ts';
export { ContractsError } from './errors.ts';
export { receiptOf } from './receipt.ts';
export { settlementProof, settlementInputs } from './settlement.ts';
export { JobState, TaskType, PriceRule, DisputeOutcome } from './enums.ts';
