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
  /** Cancels an in-flight model call (Ctrl-C, a timeout). */
  signal?: AbortSignal;
}

/**
 * The turn record (DESIGN.md): what a model saw and said, as a trainer needs it. Stored beside the
 * first step the turn caused. Token ids and log-probabilities are present when the endpoint returns
 * them (vLLM's OpenAI server and Palestra's trainer do), null otherwise.
 */
export interface TurnRecord {
  v: 1;
  /** The agent, e.g. `openai:gpt-4o-mini` or `anthropic:claude-sonnet-4-5`. */
  agent: string;
  /** The policy version that answered (`model@step` for a trained adapter), when known. */
  policy: string | null;
  /** The request's messages, in the provider's own format (what the model saw). */
  messages: unknown[];
  /** What the model said: text and tool calls, as returned. */
  completion: { text: string | null; toolCalls: { id: string; name: string; arguments: string }[] };
  finishReason: string | null;
  promptTokenIds: number[] | null;
  completionTokenIds: number[] | null;
  /** One log-probability per completion token. */
  logprobs: number[] | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  latencyMs: number;
}

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
