// @palestra/runtime: the jobs (the use cases the CLI, the studio server and the provider call),
// agents, and the parts of the engine a caller builds on.

// Agents.
export type { Agent, TurnInput, TurnRecord, TurnResult } from './agents/agent.ts';
export { anthropicAgent } from './agents/anthropic.ts';
export { isLocalUrl } from './agents/messages.ts';
export { openaiAgent } from './agents/openai.ts';
export { randomAgent } from './agents/random.ts';
export { resolveAgent } from './agents/resolve.ts';
export { scriptedAgent } from './agents/scripted.ts';
// What the jobs' results hold.
export type { BranchPoint, BranchReport, StepAdvantage, StepValue } from './branch/branch.ts';
// The engine under the jobs.
export { branchPoints } from './branch/branch.ts';
export { type CheckInWorkerOptions, checkInWorker } from './check/checkInWorker.ts';
/** The CLI's words for a learnability report: the studio's page shows the same verdicts. */
export { formatLearnabilityReport } from './cli/learnability.ts';
export { type RuntimeErrorCode, runtimeErrorCodes } from './errorCodes.ts';
export type { AgentScore, EvalReport, TaskRow } from './eval/evaluate.ts';
export { renderEpisodeHtml, writeEpisodeHtml } from './html/episodeHtml.ts';
// Jobs: `job(options, { signal, onProgress })`, typed options, results and progress events.
export {
  type BranchOptions,
  type BranchProgress,
  type BranchResult,
  branch,
} from './jobs/branch.ts';
export { type EnvRef, episodeSource, jobSource } from './jobs/env.ts';
export {
  type EvaluateOptions,
  type EvaluateProgress,
  type EvaluateResult,
  evaluate,
} from './jobs/evaluate.ts';
export { type Job, type JobContext, throwIfAborted } from './jobs/job.ts';
export {
  type LearnabilityOptions,
  type LearnabilityProgress,
  type LearnabilityReport,
  type LearnabilityResult,
  learnability,
} from './jobs/learnability.ts';
export {
  type RolloutOptions,
  type RolloutProgress,
  type RolloutResult,
  rollout,
} from './jobs/rollout.ts';
export { type RunOptions, type RunProgress, type RunResult, run } from './jobs/run.ts';
export { type ScoreOptions, type ScoreProgress, type ScoreResult, score } from './jobs/score.ts';
export {
  type ServeHandle,
  type ServeOptions,
  type ServeProgress,
  type ServeResult,
  serve,
} from './jobs/serve.ts';
export {
  type SettleOptions,
  type SettleProgress,
  type SettleResult,
  settle,
} from './jobs/settle.ts';
export { SettleError, type SettleErrorCode, settleErrorCodes } from './jobs/settleErrors.ts';
export {
  type TrainEvent,
  type TrainOptions,
  type TrainPhase,
  type TrainProgress,
  type TrainResult,
  train,
} from './jobs/train.ts';
export {
  DEFAULT_RUNS_DIR,
  type VerifyJobOptions,
  type VerifyJobResult,
  verifyJob,
} from './jobs/verifyJob.ts';
export {
  type LayerVerdict,
  type VerifyRunOptions,
  type VerifyRunProgress,
  type VerifyRunResult,
  verifyRun,
} from './jobs/verifyRun.ts';
export {
  type VerifyScoresOptions,
  type VerifyScoresProgress,
  type VerifyScoresResult,
  verifyScores,
} from './jobs/verifyScores.ts';
// One episode loop and one scheduler (rollout, branch and the studio's simulator play through them).
export {
  type EpisodeStatus,
  episodeComplete,
  episodeFailed,
  succeeded,
} from './play/outcome.ts';
export {
  type EpisodeRecorder,
  type EpisodeStart,
  type EpisodeState,
  type EpisodeTally,
  type PlayEpisodeOptions,
  type PlayOutcome,
  playEpisode,
  type TurnSettings,
} from './play/playEpisode.ts';
export {
  type LaneCounts,
  type LaneEpisode,
  type LaneSettings,
  type LanesResult,
  type PlayLanesOptions,
  playLanes,
} from './play/playLanes.ts';
export { processAlive } from './process/alive.ts';
export type { FailureCounts, OutcomeFailure } from './rollout/failure.ts';
export { RewardBoundsRequiredError, requireRewardBounds } from './rollout/rewardBounds.ts';
export type { EpisodeOutcome } from './rollout/rollout.ts';
export type { RolloutSummary } from './rollout/summary.ts';
export { type RunOptions as RunEpisodesOptions, runEpisodes } from './run/runEpisodes.ts';
export type { OverseerStats, ScoredFile } from './score/scoreFiles.ts';
export type { VerifiedFile } from './score/verifyFiles.ts';
export { rewardCurveHtml, type Series, type TrainCurves, trainCurves } from './train/chart.ts';
export {
  readState,
  type StepRecord,
  statePath,
  TRAIN_STATE_VERSION,
  type TrainState,
  writeState,
} from './train/checkpoint.ts';
