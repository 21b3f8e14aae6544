// @palestra/contracts: typed ABIs and bytecode, deployment, the local chain and network presets.

export {
  type AnvilInstance,
  type AnvilOptions,
  anvilBinary,
  freePort,
  startAnvil,
  stopProcess,
  waitForRpc,
} from './anvil.ts';
export {
  type Deployment,
  type DeployOptions,
  defaultDeployOptions,
  deploySystem,
  systemArtifactsHash,
} from './deploy.ts';
export { DisputeOutcome, JobState, PriceRule, TaskType } from './enums.ts';
export { ContractsError } from './errors.ts';
export * from './generated/index.ts';
export {
  type ChainDownResult,
  type ChainInfo,
  type ChainUpOptions,
  type ChainUpResult,
  chainDown,
  chainInfoPath,
  chainUp,
  defaultChainDir,
  devAccounts,
  readChainInfo,
} from './localChain.ts';
export {
  deployToNetwork,
  type NetworkName,
  type NetworkPreset,
  networkClients,
  networks,
} from './networks.ts';
export { receiptOf } from './receipt.ts';
export {
  type BatchProof,
  type ChainTarget,
  checkAdapter,
  checkDeadline,
  checkJobClaimed,
  checkPassing,
  checkSender,
  checkSignalsMatchChain,
  checkSubmissionOnChain,
  encodeSettlementBatches,
  episodesRootOf,
  type OnChainCheck,
  type OnChainCheckItem,
  type SettlementSubmission,
  type SubmittedSettlement,
  sentProof,
  submitSettlement,
} from './submission.ts';
