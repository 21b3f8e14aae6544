import type { Action, Env } from '@palestra/envs';
import { z } from 'zod';

/**
 * How an OpenEnv action (the `action` of `POST /step`, the `data` of a WebSocket `step`) becomes a
 * Palestra action. Four shapes are accepted; OpenEnv's optional `metadata` object is accepted and
 * ignored on each of them:
 *
 * | OpenEnv action                                      | Palestra action                  |
 * |-----------------------------------------------------|----------------------------------|
 * | `{"tool": "echo", "arguments": {"word": "apple"}}`  | the same (one tool call)         |
 * | `{"text": "a plain reply"}`                         | the same (a model turn, no tool) |
 * | `{"type": "call_tool", "tool_name": "echo", "arguments": {...}}` | `{tool, arguments}` (OpenEnv's MCP `CallToolAction`) |
 * | `{"type": "list_tools"}`                            | no step: the tools are listed (OpenEnv's `ListToolsAction`) |
 */
export type WireAction =
  | { kind: 'step'; action: Action; callTool: boolean }
  | { kind: 'list_tools' }
  | { kind: 'tool_error'; toolName: string; error: ToolError };

/**
 * OpenEnv's `ToolError`: how an OpenEnv MCP environment answers a `call_tool` it cannot run (an
 * observation with `result: null` and this `error`, not a protocol error); `MCPToolClient.call_tool`
 * raises it as `Tool '<name>' failed: <message> (type: <error_type>)`.
 */
export interface ToolError {
  error_type: 'tool_not_found' | 'invalid_args';
  message: string;
}

/** One problem with a request, in the shape FastAPI/pydantic use for 422 `detail` lists. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const metadata = z.record(z.string(), z.unknown()).optional();
const args = z.record(z.string(), z.unknown()).optional();
const toolShape = z.strictObject({ tool: z.string().min(1), arguments: args, metadata });
const textShape = z.strictObject({ text: z.string(), metadata });
const callToolShape = z.strictObject({
  type: z.literal('call_tool'),
  tool_name: z.string().min(1),
  arguments: args,
  metadata,
});
const listToolsShape = z.strictObject({ type: z.literal('list_tools'), metadata });

/** zod issues → pydantic-style issues located under `loc` (e.g. `['body', 'action']`). */
export function zodIssues(error: z.ZodError, loc: (string | number)[], input: unknown): ValidationIssue[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    let at: unknown = input;
    for (const p of path) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[p] : undefined;
    return { type: i.code, loc: [...loc, ...path], msg: i.message, input: at };
  });
}

/**
 * Reads the envelope of an action (which of the four shapes it is). The tool's own arguments are
 * checked separately by `checkAction`, against the tool's JSON Schema.
 */
export function parseWireAction(data: unknown, loc: (string | number)[]): ParseResult<WireAction> {
  const bad = (msg: string): ParseResult<WireAction> => ({
    ok: false,
    issues: [{ type: 'invalid_action', loc, msg, input: data }],
  });
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return bad('an action is a JSON object: {"tool", "arguments"} or {"text"}');
  const o = data as Record<string, unknown>;
  const shape =
    o.type === 'call_tool'
      ? callToolShape
      : o.type === 'list_tools'
        ? listToolsShape
        : 'tool' in o
          ? toolShape
          : 'text' in o
            ? textShape
            : undefined;
  if (!shape)
    return bad(
      'an action is {"tool": name, "arguments": {...}}, {"text": "..."}, or OpenEnv\'s {"type": "call_tool", "tool_name", "arguments"}',
    );
  const r = shape.safeParse(data);
  if (!r.success) return { ok: false, issues: zodIssues(r.error, loc, data) };
  const v = r.data as Record<string, unknown>;
  if (v.type === 'list_tools') return { ok: true, value: { kind: 'list_tools' } };
  if (v.type === 'call_tool')
    return {
      ok: true,
      value: {
        kind: 'step',
        callTool: true,
        action: { tool: v.tool_name as string, arguments: (v.arguments ?? {}) as Record<string, unknown> },
      },
    };
  if ('tool' in v)
    return {
      ok: true,
      value: {
        kind: 'step',
        callTool: false,
        action: { tool: v.tool as string, arguments: (v.arguments ?? {}) as Record<string, unknown> },
      },
    };
  return { ok: true, value: { kind: 'step', callTool: false, action: { text: v.text as string } } };
}

/**
 * Checks a Palestra action against the environment's tools exactly as the kernel would (the same
 * code: `Env.toEvent`), so "rejected by the server" and "invalid for the kernel" never disagree.
 */
export function checkAction(
  validator: Pick<Env, 'toEvent'>,
  action: Action,
  loc: (string | number)[],
): ValidationIssue[] {
  const r = validator.toEvent(action);
  if ('type' in r) return [];
  const where =
    r.code === 'INVALID_ARGUMENTS'
      ? [...loc, 'arguments']
      : r.code === 'UNKNOWN_TOOL'
        ? [...loc, 'tool']
        : loc;
  const input =
    r.code === 'INVALID_ARGUMENTS'
      ? (action as { arguments?: unknown }).arguments
      : r.code === 'UNKNOWN_TOOL'
        ? (action as { tool?: unknown }).tool
        : action;
  return [{ type: r.code.toLowerCase(), loc: where, msg: r.message, input }];
}
