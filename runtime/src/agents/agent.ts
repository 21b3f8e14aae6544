import type { Action, Observation, ResetInfo, ToolSpec } from '@palestra/envs';

/** What an agent sees at a turn. */
export interface TurnInput {
  observation: Observation;
  tools: ToolSpec[];
  /** The reset info of the episode (task, instructions). */
  episode: ResetInfo;
  /** Steps taken so far in the episode. */
  step: number;
  /** Index of the episode in the run. */
  episodeIndex: number;
}

/**
 * An agent: given the observation and the tools, a turn returns the actions to apply in order
 * (several tool calls become several steps; a text reply is `{ text }`).
 */
export interface Agent {
  readonly id: string;
  /** Called at the start of each episode. */
  startEpisode?(episodeIndex: number, seed: number): void;
  turn(input: TurnInput): Promise<Action[]> | Action[];
}
