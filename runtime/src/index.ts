// @palestra/runtime: agents, the rollout engine, evaluation, branching, serving environments.
export type { Agent, TurnInput, TurnRecord, TurnResult } from './agents/agent.ts';
export { anthropicAgent } from './agents/anthropic.ts';
export { openaiAgent } from './agents/openai.ts';
export { randomAgent } from './agents/random.ts';
export { resolveAgent } from './agents/resolve.ts';
export { scriptedAgent } from './agents/scripted.ts';
export { type BranchOptions, branch, branchPoints } from './branch/branch.ts';
export { type EvalReport, type EvaluateOptions, evaluate } from './eval/evaluate.ts';
export { renderEpisodeHtml, writeEpisodeHtml } from './html/episodeHtml.ts';
export type { OutcomeFailure } from './rollout/failure.ts';
export { RewardBoundsRequiredError, requireRewardBounds } from './rollout/rewardBounds.ts';
export {
  episodeComplete,
  episodeFailed,
  type RolloutOptions,
  type RolloutResult,
  rollout,
} from './rollout/rollout.ts';
export { type RunOptions, runEpisodes } from './run/runEpisodes.ts';
