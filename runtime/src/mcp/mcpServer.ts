import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { type Action, type GymSpec, PalestraError } from '@palestra/envs';
import { z } from 'zod';
import { mcpTools } from '../serve/describe.ts';
import { describeError, ServeError } from '../serve/errors.ts';
import type { EnvSession } from '../serve/session.ts';
import { errorToolResult, stepToolResult, type ToolResult } from './toolResult.ts';

/** The tools the MCP server adds to the environment's own. */
export const CONTROL_TOOLS = ['reset', 'state'] as const;

const resetArgs = z.strictObject({
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  taskId: z.string().min(1).optional(),
});

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
      taskId: { type: 'string', description: 'Play this task; without one, the seed picks it' },
    },
    additionalProperties: false,
  },
};

const stateTool = {
  name: 'state',
  description: "The episode's id, seed, task, step count, status and return so far.",
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
};

export interface McpServerOptions {
  /** The seed of the first reset that names none (then +1 each time). Default 0. */
  firstSeed?: number;
}

/**
 * An MCP server for one episode at a time of one environment: one MCP tool per environment tool
 * (its input schema is the tool's JSON Schema, unchanged), plus `reset` and `state`. A tool call is
 * one step: the result's text is the observation; reward, done and the exact micro-units are its
 * structured content. Calls before `reset`, or after the episode ended, are error results that
 * say to call `reset`.
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
  const tools = [...mcpTools(spec), resetTool, stateTool];

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
        const r = await session.reset({ seed, ...(a.data.taskId ? { taskId: a.data.taskId } : {}) });
        const o = r.observation;
        return {
          content: [{ type: 'text', text: o.text }],
          structuredContent: {
            episode_id: o.episode_id,
            seed: o.seed,
            task_id: o.task_id,
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
      // Any other name is a step, as in the kernel: an unknown tool is an invalid (penalised) step.
      const action: Action = { tool: name, arguments: args };
      return stepToolResult(session.step(action));
    } catch (e) {
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
