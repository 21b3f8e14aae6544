import type { StepResult } from '@palestra/envs';

/** The MCP `CallToolResult` shape (content blocks, structured content, error flag). */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError: boolean;
}

/** JSON Schema of an observation's `invalid_action` (HTTP's and MCP's `structuredContent`). */
export const invalidActionSchema = {
  anyOf: [
    {
      type: 'object',
      properties: {
        code: { enum: ['UNKNOWN_TOOL', 'INVALID_ARGUMENTS', 'MALFORMED_ACTION'] },
        message: { type: 'string' },
      },
      required: ['code', 'message'],
    },
    { type: 'null' },
  ],
};

/** The structured content of a step (`stepToolResult`). */
const stepShape = {
  type: 'object',
  properties: {
    reward: { type: 'number', description: 'The step reward (reward_micros / 1e6)' },
    done: { type: 'boolean' },
    terminated: { type: 'boolean' },
    truncated: { type: 'boolean' },
    step: { type: 'integer', minimum: 0 },
    reward_micros: { type: 'integer', description: 'The exact reward in micro-units' },
    invalid_action: invalidActionSchema,
    observation: { type: 'object', description: 'The structured observation' },
  },
  required: [
    'reward',
    'done',
    'terminated',
    'truncated',
    'step',
    'reward_micros',
    'invalid_action',
    'observation',
  ],
  additionalProperties: false,
};

/** The structured content of a call that was not played (`errorToolResult`). */
const errorShape = {
  type: 'object',
  properties: { error: { type: 'string', description: "Palestra's code" }, done: { type: 'boolean' } },
  required: ['error', 'done'],
  additionalProperties: false,
};

/**
 * MCP's `outputSchema` of every tool that plays a step: its structured content is a step
 * (`stepToolResult`) or, when the call could not be played, an error (`errorToolResult`). MCP
 * clients (the SDK's `Client.callTool`) check each result against it.
 */
export const STEP_OUTPUT_SCHEMA: Record<string, unknown> = { type: 'object', anyOf: [stepShape, errorShape] };

/** `outputSchema` of a tool whose success content is `shape` (an object schema), or an error. */
export function outputSchemaOr(shape: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', anyOf: [shape, errorShape] };
}

/**
 * One environment step as an MCP tool result: the observation text is the content a model reads;
 * reward and done (and the exact micro-units) are structured content for the program driving it.
 * An invalid call (arguments that fail the schema) is still a step of the episode, as in the
 * kernel: its text starts with `Error:` and `isError` is set.
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
