/**
 * The design assistant's conversation, in one neutral shape that the browser keeps and the studio
 * turns into either wire format (OpenAI Chat Completions or Anthropic Messages) for each model
 * call. The browser holds it in memory only (never browser storage): the server keeps nothing of a
 * conversation, only the member's model settings and key.
 */

/** One tool call of the model, its arguments exactly as the model wrote them (a JSON text). */
export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What the model answered to one call. */
export interface ModelReply {
  text: string | null;
  toolCalls: ModelToolCall[];
}

/** The result of one tool call, as the model reads it. */
export interface ToolResultMessage {
  id: string;
  name: string;
  content: string;
  isError: boolean;
}

/** One message of the conversation. */
export type ChatMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string | null; toolCalls: ModelToolCall[] }
  | { role: 'tool'; results: ToolResultMessage[] };

/** An error as the panel shows it: the code, what happened and what to do. */
export interface AssistantErrorView {
  code: string;
  message: string;
  hint?: string;
}

/** The model settings the studio keeps for a member's session (the key is never sent back). */
export interface ModelSettingsView {
  provider: 'openai' | 'anthropic';
  model: string;
  /** Empty: the provider's own endpoint. */
  baseUrl: string;
  /** Whether a key was typed (the key itself stays on the server). */
  hasKey: boolean;
}
