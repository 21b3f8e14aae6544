import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { type Action, type GymSpec, PalestraError } from '@palestra/envs';
import { z } from 'zod';
import { mcpTools } from '../serve/describe.ts';
import { describeError, ServeError } from '../serve/errors.ts';
import type { EnvSession } from '../serve/session.ts';
import {
  errorToolResult,
  outputSchemaOr,
  STEP_OUTPUT_SCHEMA,
  stepToolResult,
  type ToolResult,
} from './toolResult.ts';

/** The tools the MCP server adds to the environment's own. */
export const CONTROL_TOOLS = ['reset', 'state', 'reply_text'] as const;

// The names of `POST /reset` and `/ws` (`task_id`, `task_index`); `taskId` is still read, unadvertised.
const resetArgs = z.strictObject({
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  task_id: z.string().min(1).optional(),
  task_index: z.int().min(0).optional(),
  taskId: z.string().min(1).optional(),
});

const replyArgs = z.strictObject({ text: z.string() });

const resetTool = {
  name: 'reset',
  description:
    'Start a new episode (call it first, and again after an episode ends). Same seed and same calls give the same episode. Returns the task instructions.',
  inputSchema: {
    type: 'object',
    properties: {
      seed: {
        type: 'integer',
        minimum: 0,
        description: 'Seed of the episode; without one, the next of 0, 1, 2, …',
      },
      task_id: { type: 'string', description: 'Play the task with this id; without one, the seed picks it' },
      task_index: { type: 'integer', minimum: 0, description: 'Play the task at this index (0-based)' },
    },
    additionalProperties: false,
  },
  outputSchema: outputSchemaOr({
    type: 'object',
    properties: {
      episode_id: { type: 'string' },
      seed: { type: 'integer' },
      task_id: { type: 'string' },
      task_index: { type: 'integer' },
      step: { const: 0 },
      reward: { type: 'null' },
      done: { type: 'boolean' },
      observation: { type: 'object' },
    },
    required: ['episode_id', 'seed', 'task_id', 'task_index', 'step', 'reward', 'done', 'observation'],
    additionalProperties: false,
  }),
};

/** A model turn with no tool call (the kernel's `{text}` action, the spec's `replyEvent`). */
const replyTool = {
  name: 'reply_text',
  description:
    'Reply with plain text instead of calling a tool: one step, as a model turn with no tool call.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', description: 'The reply' } },
    required: ['text'],
    additionalProperties: false,
  },
  outputSchema: STEP_OUTPUT_SCHEMA,
};

const stateTool = {
  name: 'state',
  description: "The episode's id, seed, task, step count, status and return so far.",
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  outputSchema: outputSchemaOr({
    type: 'object',
    properties: {
      episode_id: { type: ['string', 'null'] },
      step_count: { type: 'integer', minimum: 0 },
      status: { enum: ['idle', 'running', 'ended'] },
      env: { type: 'string' },
      seed: { type: ['integer', 'null'] },
      task_id: { type: ['string', 'null'] },
      task_index: { type: ['integer', 'null'] },
      return_micros: { type: 'integer' },
    },
    required: ['episode_id', 'step_count', 'status', 'env', 'seed', 'task_id', 'task_index', 'return_micros'],
    additionalProperties: false,
  }),
};

export interface McpServerOptions {
  /** The seed of the first reset that names none (then +1 each time). Default 0. */
  firstSeed?: number;
}

/**
 * An MCP server for one episode at a time of one environment: one MCP tool per environment tool
 * (its input schema is the tool's JSON Schema, unchanged), plus `reset {seed?, task_id?,
 * task_index?}`, `state` and `reply_text {text}` (a turn with no tool call). A tool call is one
 * step: the result's text is the observation; reward, done and the exact micro-units are its
 * structured content, which each tool's `outputSchema` describes. Calls before `reset`, or after
 * the episode ended, are error results that say to call `reset`; an unknown tool is JSON-RPC's
 * -32602, not a step.
 *
 * The SDK's high-level `registerTool` takes zod schemas; the environment's tools come as JSON
 * Schemas, so the tools/list and tools/call handlers are set on the underlying protocol server.
 *
 * @example
 * const server = createMcpServer(await EnvSession.open(loadCatalog('echo-target')));
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(session: EnvSession, options: McpServerOptions = {}): McpServer {
  const spec: GymSpec = session.env.spec;
  const taken = spec.tools.filter((t) => (CONTROL_TOOLS as readonly string[]).includes(t.name));
  if (taken.length)
    throw new PalestraError(
      'MCP_TOOL_NAME_TAKEN',
      `the environment has a tool named "${taken[0]!.name}", which the MCP server uses to control episodes`,
      { hint: `rename the tool in $.tools (reserved: ${CONTROL_TOOLS.join(', ')})` },
    );
  let nextSeed = options.firstSeed ?? 0;
  const server = new McpServer(
    { name: `palestra-${spec.name}`, version: spec.version },
    {
      capabilities: { tools: {} },
      instructions: `${spec.description} Call reset to start an episode, then the environment's tools; each result's structured content has the reward and whether the episode is done.`,
    },
  );
  const tools = [...mcpTools(spec), resetTool, stateTool, replyTool];
  const toolNames = new Set(spec.tools.map((t) => t.name));

  server.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.server.setRequestHandler(CallToolRequestSchema, async (req): Promise<ToolResult> => {
    const { name } = req.params;
    const args = req.params.arguments ?? {};
    try {
      if (name === 'reset') {
        const a = resetArgs.safeParse(args);
        if (!a.success)
          return errorToolResult(
            'INVALID_ARGUMENTS',
            `reset: ${a.error.issues.map((i) => i.message).join('; ')}`,
          );
        const seed = a.data.seed ?? nextSeed++;
        const taskId = a.data.task_id ?? a.data.taskId;
        const r = await session.reset({
          seed,
          ...(taskId ? { taskId } : {}),
          ...(a.data.task_index !== undefined ? { taskIndex: a.data.task_index } : {}),
        });
        const o = r.observation;
        return {
          content: [{ type: 'text', text: o.text }],
          structuredContent: {
            episode_id: o.episode_id,
            seed: o.seed,
            task_id: o.task_id,
            task_index: session.state().task_index,
            step: 0,
            reward: null,
            done: r.done,
            observation: o.json,
          },
          isError: false,
        };
      }
      if (name === 'state') {
        const s = session.state();
        return {
          content: [{ type: 'text', text: JSON.stringify(s) }],
          structuredContent: { ...s },
          isError: false,
        };
      }
      if (name === 'reply_text') {
        const a = replyArgs.safeParse(args);
        if (!a.success)
          return errorToolResult(
            'INVALID_ARGUMENTS',
            `reply_text: ${a.error.issues.map((i) => i.message).join('; ')}`,
          );
        return stepToolResult(session.step({ text: a.data.text }));
      }
      // An unknown tool is a protocol error, as MCP servers answer it (and `POST /mcp`): no step.
      if (!toolNames.has(name))
        throw new McpError(
          ErrorCode.InvalidParams,
          `Tool ${name} not found; the tools are: ${tools.map((t) => t.name).join(', ')}`,
        );
      // Arguments that fail the tool's schema are a step, as in the kernel: invalid and penalised.
      const action: Action = { tool: name, arguments: args };
      return stepToolResult(session.step(action));
    } catch (e) {
      if (e instanceof McpError) throw e;
      if (e instanceof ServeError) return errorToolResult(e.code, describeError(e));
      // The environment failed (its code threw or hung): this episode is over.
      return errorToolResult(
        e instanceof PalestraError ? e.code : 'ENV_ERROR',
        `${describeError(e)} — call reset to start a new episode`,
      );
    }
  });
  return server;
}
