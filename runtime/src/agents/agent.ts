import type { Action, Observation, ResetInfo, ToolSpec } from '@palestra/envs';
import type { TurnRecord } from './turnRecord.ts';

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
  /** Cancels an in-flight model call (Ctrl-C, a timeout). */
  signal?: AbortSignal;
}

/** The turn record: its fields, version and reader live beside its schema in `turnRecord.ts`. */
export type { TurnRecord } from './turnRecord.ts';

/** A turn's result: the actions to apply in order (several tool calls → several steps), and its record. */
export interface TurnResult {
  actions: Action[];
  turn?: TurnRecord;
}

/**
 * An agent: given the observation and the tools, a turn returns the actions to apply in order
 * (a text reply is `{ text }`; a malformed tool call becomes an action the kernel reports as
 * invalid, never a crash) and, for model-backed agents, the turn record.
 */
export interface Agent {
  readonly id: string;
  /** Called at the start of each episode. */
  startEpisode?(episodeIndex: number, seed: number): void;
  turn(input: TurnInput): Promise<TurnResult> | TurnResult;
}
