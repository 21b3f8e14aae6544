export { type CacheEntry, VerdictCache, type VerdictKeyParts, verdictKey } from './cache/cache.ts';
export { agreement, cohensKappa, ranks, spearman } from './calibrate/metrics.ts';
export { judgedAsGroup, type ScoreVerification, scoreCommitment, verifyScore } from './commit/commitment.ts';
export {
  type BuildOverseerOptions,
  buildOverseer,
  loadOverseerConfig,
  type OverseerConfig,
  overseerConfigSchema,
} from './config/config.ts';
export { overseerConfigHash } from './config/configHash.ts';
export { type EnsembleMember, EnsembleOverseer } from './ensemble/ensemble.ts';
export {
  AGENT_FAULT_CEILING,
  type Band,
  bandScore,
  FAILURE_BAND,
  type OutcomeReading,
  positionInBounds,
  SUCCESS_BAND,
  SUCCESS_THRESHOLD,
  succeeded,
} from './ensemble/outcome.ts';
export { type OverseerErrorCode, overseerErrorCodes } from './errorCodes.ts';
export {
  type JudgeConfig,
  type JudgeOptions,
  type JudgeUsage,
  judgeConfigSchema,
  LlmJudge,
  type Verdict,
} from './judge/judge.ts';
export { type JudgeEndpoint, JudgeRequestError, judgeRequestError } from './judge/judgeError.ts';
export { escapedJson, JUDGE_INSTRUCTIONS, quoteTranscript, transcriptOf } from './judge/transcript.ts';
export * from './onnx/index.ts';
export { REDTEAM_FIXTURES, type RedTeamFixture } from './redteam/fixtures.ts';
export {
  fixtureEpisode,
  type RedTeamError,
  type RedTeamResult,
  runRedTeam,
} from './redteam/redteam.ts';
export { declaredBounds, faultOfRecord, HOST_LIMIT_CODES, hostLimitNotReplayed } from './rules/faults.ts';
export { RulesOverseer, vetoWhen } from './rules/rules.ts';
export * from './types.ts';
