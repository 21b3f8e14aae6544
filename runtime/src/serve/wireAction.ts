import type { Action, Env, InvalidAction, ToolSpec } from '@palestra/envs';
import { z } from 'zod';
import { type ValidationIssue, zodIssues } from './validationIssues.ts';

export { type ValidationIssue, zodIssues } from './validationIssues.ts';

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

/**
 * Reads the envelope of an action (which of the four shapes it is). The tool's own arguments are
 * checked separately by `checkAction`, against the tool's JSON Schema.
 */
export function parseWireAction(data: unknown, loc: (string | number)[]): ParseResult<WireAction> {
  const bad = (msg: string, type = 'value_error'): ParseResult<WireAction> => ({
    ok: false,
    issues: [{ type, loc, msg, input: data }],
  });
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return bad('Input should be a valid dictionary: {"tool", "arguments"} or {"text"}', 'dict_type');
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

/** The kernel's verdict on an action it refuses, and the same problems located for a 422. */
export interface ActionRejection {
  code: InvalidAction['code'];
  message: string;
  issues: ValidationIssue[];
}

// Each tool's JSON Schema as zod, built once: only to locate the problems the kernel found.
const argumentSchemas = new WeakMap<ToolSpec, z.ZodType | null>();

function argumentSchema(tool: ToolSpec): z.ZodType | null {
  if (!argumentSchemas.has(tool)) {
    let schema: z.ZodType | null = null;
    try {
      schema = z.fromJSONSchema(tool.parameters as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      // a schema zod cannot read: the kernel's message, located at `arguments`, is all there is
    }
    argumentSchemas.set(tool, schema);
  }
  return argumentSchemas.get(tool) ?? null;
}

/**
 * Checks a Palestra action against the environment's tools exactly as the kernel would (the same
 * code: `Env.toEvent`), so "rejected by the server" and "invalid for the kernel" never disagree.
 * Only when the kernel refuses arguments are they read again (the tool's JSON Schema as zod) to
 * locate each problem down to the argument (`["arguments", "direction"]`), as pydantic would.
 */
export function checkAction(
  validator: Pick<Env, 'toEvent' | 'spec'>,
  action: Action,
  loc: (string | number)[],
): ActionRejection | undefined {
  const r = validator.toEvent(action);
  if ('type' in r) return undefined;
  const reject = (issues: ValidationIssue[]): ActionRejection => ({
    code: r.code,
    message: r.message,
    issues,
  });
  if (r.code === 'UNKNOWN_TOOL')
    return reject([
      {
        type: 'literal_error',
        loc: [...loc, 'tool'],
        msg: r.message,
        input: (action as { tool?: unknown }).tool,
      },
    ]);
  if (r.code !== 'INVALID_ARGUMENTS')
    return reject([{ type: 'value_error', loc, msg: r.message, input: action }]);
  const args = (action as { arguments?: unknown }).arguments ?? {};
  const tool = validator.spec.tools.find((t) => t.name === (action as { tool?: unknown }).tool);
  const schema = tool && argumentSchema(tool);
  const found = schema ? schema.safeParse(args) : undefined;
  const issues = found && !found.success ? zodIssues(found.error, [...loc, 'arguments'], args) : [];
  return reject(
    issues.length
      ? issues
      : [{ type: 'value_error', loc: [...loc, 'arguments'], msg: r.message, input: args }],
  );
}
