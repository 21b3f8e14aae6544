/**
 * `@palestra/envs/core`: the part of Palestra's environments that runs on any JavaScript host, a
 * browser page or Web Worker included. Spec parsing and migration, compiled expressions, the
 * kernel, the random generator, the QuickJS sandbox, episode hashing and the hash chain, parsing
 * and replay of an in-memory episode record, and the errors. No Node module is reachable from
 * here (`core.test.ts` bundles it for a browser and fails on any); files, worker threads, the
 * catalog and bundles are in `@palestra/envs/node`.
 */
export { EpisodeChain, type EpisodeMeta } from './episode/chain.ts';
export { canonicalJson, chainHash, sha256Hex } from './episode/hash.ts';
export { parseEpisode } from './episode/parseEpisode.ts';
export {
  ENGINE_VERSIONS,
  type Episode,
  type EpisodeFailure,
  type EpisodeFooter,
  type EpisodeHeader,
  type EpisodeStep,
  engineVersions,
  RECORD_VERSION,
} from './episode/record.ts';
export { type ReplayEpisodeOptions, type ReplayResult, replayEpisode } from './episode/replayEpisode.ts';
export {
  parseCommitment,
  SCORE_RECORD_VERSION,
  type ScoreCommitment,
  type ScoreRecord,
  type ScoreRecordBody,
  scoreBy,
  scoredRoot,
  scoreLine,
  scoreRecordBodySchema,
  scoreRecordSchema,
} from './episode/score.ts';
export { episodeSucceeded } from './episode/success.ts';
export { type EnvsErrorCode, envsErrorCodes } from './errorCodes.ts';
export * from './errors.ts';
export { ActionReader, type MachineEvent } from './kernel/actionReader.ts';
export { ACTION_MAX_DEPTH, checkActionSize } from './kernel/actionSize.ts';
export { Env, type MakeEnvOptions, makeEnv, newSandbox, statePaths } from './kernel/env.ts';
export {
  AGENT_FAULT_CODES,
  agentFaultMicros,
  type EpisodeError,
  type Fault,
  faultOf,
  MAX_FAULT_SHARE,
} from './kernel/fault.ts';
export type { AsyncEnvHandle, EnvHandle } from './kernel/handle.ts';
export { fromMicros, MICROS_PER_UNIT, microsOf, toMicros } from './kernel/micros.ts';
export { Prng, type PrngState } from './kernel/prng.ts';
export { sampleAction } from './kernel/sample.ts';
export { type EnvSource, envSource, usesModules } from './kernel/source.ts';
export { resolveTask, taskCount, taskIndices } from './kernel/tasks.ts';
export type * from './kernel/types.ts';
export {
  type AutoresetMode,
  VectorEnv,
  type VectorStepInfo,
  type VectorStepResult,
} from './kernel/vector.ts';
export { type QuickJSWasm, setQuickJSWasm } from './sandbox/engine.ts';
export { loadQuickJS, Sandbox } from './sandbox/sandbox.ts';
export { type Activation, type CompiledExpr, compileExpr } from './spec/expr.ts';
export {
  type CompiledSpaces,
  compileSpaces,
  type SpaceValueProblem,
  type WireSpace,
  type WireSpaces,
  wireSpaces,
} from './spec/gymSpaces.ts';
export {
  checkJsonText,
  checkJsonValue,
  InputLimitError,
  type JsonLimits,
  parseJsonText,
  RECORD_LINE_LIMITS,
  REQUEST_LIMITS,
  SPEC_LIMITS,
} from './spec/limits.ts';
export { migrateSpec } from './spec/migrate.ts';
export { jsonPath, parseSpec } from './spec/parse.ts';
export { deriveRewardBounds } from './spec/rewardBounds.ts';
export {
  type GymSpec,
  type GymSpecInput,
  gymSpecSchema,
  SPEC_VERSION,
  type TaskSpec,
  type ToolSpec,
} from './spec/schema.ts';
