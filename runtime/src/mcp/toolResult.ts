import type { StepResult } from '@palestra/envs';

/** The MCP `CallToolResult` shape (content blocks, structured content, error flag). */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError: boolean;
}

/**
 * One environment step as an MCP tool result: the observation text is the content a model reads;
 * reward and done (and the exact micro-units) are structured content for the program driving it.
 * An invalid call (unknown tool, arguments that fail the schema) is still a step of the episode, as
 * in the kernel: its text starts with `Error:` and `isError` is set.
 */
export function stepToolResult(r: StepResult): ToolResult {
  return {
    content: [{ type: 'text', text: r.observation.text }],
    structuredContent: {
      reward: r.reward,
      done: r.terminated || r.truncated,
      terminated: r.terminated,
      truncated: r.truncated,
      step: r.info.step,
      reward_micros: r.info.rewardMicros,
      invalid_action: r.info.invalidAction ?? null,
      observation: r.observation.json,
    },
    isError: r.info.invalidAction !== undefined,
  };
}

/** A call that could not be played (no episode, episode over): what to do, as an error result. */
export function errorToolResult(code: string, message: string): ToolResult {
  return {
    content: [{ type: 'text', text: message }],
    structuredContent: { error: code, done: code === 'STEP_AFTER_END' },
    isError: true,
  };
}
