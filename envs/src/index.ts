export { BUNDLE_FORMAT, bundleBytes, bundleId, merkleRoot } from './bundle/bundle.ts';
export {
  type CheckFinding,
  type CheckOptions,
  type CheckReport,
  checkEnv,
  formatCheckReport,
} from './check/check.ts';
export { type AppendScoreResult, appendScore } from './episode/appendScore.ts';
export { GOLDEN_SEEDS, goldenFiles, writeGoldens } from './episode/golden.ts';
export { canonicalJson, chainHash, sha256Hex } from './episode/hash.ts';
export { parseEpisode, readEpisode } from './episode/reader.ts';
export {
  type Episode,
  type EpisodeFailure,
  type EpisodeFooter,
  type EpisodeHeader,
  type EpisodeStep,
  engineVersions,
  RECORD_VERSION,
} from './episode/record.ts';
export { type ReplayResult, replay } from './episode/replay.ts';
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
export { EpisodeChain, type EpisodeMeta, EpisodeWriter } from './episode/writer.ts';
export * from './errors.ts';
export { ACTION_MAX_DEPTH, checkActionSize } from './kernel/actionSize.ts';
export { Env, type MakeEnvOptions, makeEnv, newSandbox, statePaths, toMicros } from './kernel/env.ts';
export {
  AGENT_FAULT_CODES,
  agentFaultMicros,
  type EpisodeError,
  type Fault,
  faultOf,
  MAX_FAULT_SHARE,
} from './kernel/fault.ts';
export { type EnvHandle, type OpenEnvOptions, openEnv } from './kernel/open.ts';
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
export { HANG_FILES, HANG_SPEC } from './sandbox/hostileEnv.ts';
export { IsolatedEnv, IsolatedVectorEnv, makeIsolatedEnv } from './sandbox/isolated.ts';
export { loadQuickJS, Sandbox } from './sandbox/sandbox.ts';
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
