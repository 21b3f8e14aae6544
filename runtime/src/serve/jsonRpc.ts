import { type Action, type GymSpec, PalestraError, type StepResult } from '@palestra/envs';
import { z } from 'zod';
import { errorToolResult, stepToolResult } from '../mcp/toolResult.ts';
import { mcpTools } from './describe.ts';
import { describeError, ServeError } from './errors.ts';

/** JSON-RPC 2.0 error codes (the ones OpenEnv's MCP endpoints use). */
export const JSONRPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  SERVER_ERROR: -32000,
} as const;

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const requestSchema = z.object({
  jsonrpc: z.literal('2.0').optional(),
  method: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
  id: z.unknown().optional(),
});

const callParams = z.object({
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

export interface JsonRpcTarget {
  spec: GymSpec;
  /** Says why an action would be rejected (strict servers), or nothing. */
  reject(action: Action): string | undefined;
  /** Plays one tool call as one step. */
  call(action: Action): Promise<StepResult>;
}

export function rpcError(id: unknown, code: number, message: string, data?: unknown): JsonRpcResponse {
  return {
    jsonrpc: '2.0',
    id: id ?? null,
    error: { code, message, ...(data === undefined ? {} : { data }) },
  };
}

/**
 * The MCP subset OpenEnv serves on `POST /mcp` and in WebSocket `mcp` messages: `tools/list` (the
 * environment's tools, input schemas unchanged) and `tools/call` (one step; the result is MCP's
 * `CallToolResult` with reward and done as structured content).
 */
export async function handleJsonRpc(raw: unknown, target: JsonRpcTarget): Promise<JsonRpcResponse> {
  const parsed = requestSchema.safeParse(raw);
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  if (!parsed.success)
    return rpcError(id, JSONRPC.INVALID_REQUEST, `Invalid request: ${parsed.error.issues[0]?.message}`);
  const req = parsed.data;
  switch (req.method) {
    case 'tools/list':
      return { jsonrpc: '2.0', id: req.id ?? null, result: { tools: mcpTools(target.spec) } };
    case 'tools/call': {
      const p = callParams.safeParse(req.params ?? {});
      if (!p.success)
        return rpcError(req.id, JSONRPC.INVALID_PARAMS, `Invalid params: ${p.error.issues[0]?.message}`);
      const action: Action = { tool: p.data.name, arguments: p.data.arguments ?? {} };
      const why = target.reject(action);
      if (why) return rpcError(req.id, JSONRPC.INVALID_PARAMS, why);
      try {
        const r = await target.call(action);
        // `data` as in FastMCP's CallToolResult, which OpenEnv's MCP endpoints send and
        // `MCPToolClient.call_tool` returns; MCP clients read `content`.
        return {
          jsonrpc: '2.0',
          id: req.id ?? null,
          result: { ...stepToolResult(r), data: r.observation.text },
        };
      } catch (e) {
        if (e instanceof ServeError)
          return { jsonrpc: '2.0', id: req.id ?? null, result: errorToolResult(e.code, describeError(e)) };
        return rpcError(
          req.id,
          JSONRPC.INTERNAL_ERROR,
          describeError(e),
          e instanceof PalestraError ? { code: e.code } : undefined,
        );
      }
    }
    default:
      return rpcError(req.id, JSONRPC.METHOD_NOT_FOUND, `Method not found: ${req.method}`);
  }
}
