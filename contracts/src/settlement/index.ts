// @palestra/contracts/settlement: the settlement leaf, the episodes tree, the circuit's public
// signals, and Groth16 proofs of a batch (see contracts/README.md, "Settlement proofs").

export {
  CIRCUITS_DIR,
  type LoadedArtifacts,
  loadArtifacts,
  requireArtifacts,
  type SettlementArtifacts,
  settlementArtifacts,
} from './artifacts.ts';
export { type JobSettlementContext, readJobSettlementContext } from './chainContext.ts';
export { type CompiledCircuit, compileCircuit } from './compileCircuit.ts';
export { SettlementError, type SettlementErrorCode, settlementErrorCodes } from './errors.ts';
export {
  DEFAULT_BATCH,
  PUBLIC_SIGNAL_NAMES,
  type SettlementBatch,
  type SettlementContext,
  type SettlementInputs,
  type SettlementTotals,
  settlementInputs,
} from './inputs.ts';
export {
  FIELD_ORDER,
  type LeafSignals,
  leafPasses,
  leafSignals,
  OUTCOME,
  type Outcome,
  PADDING_LEAF,
  PADDING_SIGNALS,
  type SettlementLeafFields,
  settlementLeaf,
  toField,
} from './leaf.ts';
export {
  type Groth16Proof,
  parseSettlementProof,
  proveSettlement,
  releaseProver,
  type SettlementCalldata,
  type SettlementProof,
  settlementCalldata,
  verifySettlementProof,
} from './prove.ts';
export {
  type EpisodesTree,
  episodesTree,
  isTreeSize,
  type LeafPath,
  TREE_ARITY,
  verifyLeafPath,
} from './tree.ts';
