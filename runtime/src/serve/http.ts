import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkJsonText, InputLimitError, PalestraError, REQUEST_LIMITS } from '@palestra/envs';
import { z } from 'zod';
import type { ServeCore } from './core.ts';
import { actionSchema, envMetadata, observationSchema, openEnvTools, stateSchema } from './describe.ts';
import { describeError } from './errors.ts';
import { handleJsonRpc, JSONRPC, rpcError } from './jsonRpc.ts';
import { EnvSession, type WireState } from './session.ts';
import { type ValidationIssue, zodIssues } from './wireAction.ts';
import { wireJson } from './wireJson.ts';

// A body is read up to this many bytes, then refused: no UTF-8 text this long is within the
// character limit (a UTF-16 code unit takes at most 3 bytes), so the exact check can wait for the text.
const MAX_BODY = 3 * REQUEST_LIMITS.maxChars;

const stepBody = z.looseObject({
  action: z.unknown().refine((v) => v !== undefined, 'Field required'),
  timeout_s: z.number().gt(0).nullish(),
  request_id: z.string().max(255).nullish(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    /** Palestra's code, sent beside `detail` when there is one. */
    readonly code?: string,
  ) {
    super(typeof detail === 'string' ? detail : 'request error');
  }
}

/**
 * A body past `REQUEST_LIMITS`: 413 when it is too large, 422 when it nests too deep (FastAPI's
 * shape of a validation error, so OpenEnv clients read it), with the code either way.
 */
function limitError(e: InputLimitError): HttpError {
  if (e.code === 'INPUT_TOO_LARGE') return new HttpError(413, describeError(e), e.code);
  return new HttpError(
    422,
    [{ type: 'json_invalid', loc: ['body', 0], msg: describeError(e), input: {} }],
    e.code,
  );
}

const unprocessable = (issues: ValidationIssue[]) => new HttpError(422, issues);

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = wireJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage, emptyAs: unknown): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new HttpError(
        413,
        `the body is larger than ${MAX_BODY} bytes; the limit is ${REQUEST_LIMITS.maxChars} characters`,
        'INPUT_TOO_LARGE',
      );
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return emptyAs;
  // Depth and size before anything recurses over the value (zod, and every JSON.stringify after).
  try {
    checkJsonText(text, REQUEST_LIMITS, 'the request body');
  } catch (e) {
    if (e instanceof InputLimitError) throw limitError(e);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw unprocessable([
      {
        type: 'json_invalid',
        loc: ['body', 0],
        msg: `JSON decode error: ${(e as Error).message}`,
        input: {},
      },
    ]);
  }
}

/** The state of an environment nobody has reset: what OpenEnv's stateless `GET /state` shows. */
function freshState(core: ServeCore): WireState {
  return {
    episode_id: null,
    step_count: 0,
    status: 'idle',
    env: `${core.spec.name}@${core.spec.version}`,
    seed: null,
    task_id: null,
    task_index: null,
    return_micros: 0,
  };
}

/**
 * OpenEnv's HTTP routes. Like OpenEnv, HTTP keeps no episode between calls (episodes live on the
 * WebSocket): `POST /reset` starts an episode and reports its first observation; `POST /step`
 * plays its action as the first step of a fresh episode (reset with the body's `seed`, `task_id`
 * or `task_index`, else the next server seed) and reports that step: useful for one-step tasks
 * and for probing; for episodes of several steps, use `/ws`.
 */
export async function handleHttp(req: IncomingMessage, res: ServerResponse, core: ServeCore): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const routes: Record<string, Record<string, () => Promise<unknown> | unknown>> = {
    '/health': { GET: () => ({ status: 'healthy' }) },
    // Not OpenEnv's: WebSocket sessions holding a slot now, for operators and tests.
    '/sessions': { GET: () => ({ active: core.active, max_sessions: core.options.maxSessions }) },
    '/metadata': { GET: () => envMetadata(core.spec) },
    '/schema': {
      GET: () => ({
        action: actionSchema(core.spec),
        observation: observationSchema(core.spec),
        state: stateSchema(),
      }),
    },
    '/state': { GET: () => freshState(core) },
    '/reset': {
      POST: async () => {
        const body = await readJson(req, {});
        const opts = core.parseReset(body, ['body']);
        if (!opts.ok) throw unprocessable(opts.issues);
        return core.withScratch((s) => s.reset(opts.value));
      },
    },
    '/step': {
      POST: async () => {
        const body = await readJson(req, undefined);
        const b = stepBody.safeParse(body);
        if (!b.success) throw unprocessable(zodIssues(b.error, ['body'], body));
        // As OpenEnv: the action is validated inside the handler, so `loc` is relative to the action.
        const a = core.parseAction(b.data.action, []);
        if (!a.ok) throw unprocessable(a.issues);
        if (a.value.kind === 'list_tools')
          return {
            observation: { tools: openEnvTools(core.spec) },
            reward: null,
            done: false,
          };
        if (a.value.kind === 'tool_error')
          return EnvSession.toolError(a.value.toolName, a.value.error, false);
        const { action, callTool } = a.value;
        const { action: _a, timeout_s: _t, request_id: _r, ...resetFields } = b.data;
        const opts = core.parseReset(resetFields, ['body']);
        if (!opts.ok) throw unprocessable(opts.issues);
        return core.withScratch(async (s) => {
          await s.reset(opts.value);
          return EnvSession.wire(s.step(action), callTool, 'tool' in action ? action.tool : undefined);
        });
      },
    },
    '/mcp': {
      POST: async () => {
        let body: unknown;
        try {
          body = await readJson(req, undefined);
        } catch (e) {
          // Text that is not JSON is JSON-RPC's parse error; input past the limits stays a 4xx.
          if (e instanceof HttpError && e.status === 422 && !e.code)
            return rpcError(null, JSONRPC.PARSE_ERROR, 'Parse error');
          throw e;
        }
        // OpenEnv's persistent MCP sessions: `openenv/session/*` and calls naming a `session_id`.
        const inSession = await core.httpMcp.handle(body);
        if (inSession) return inSession;
        // Without a session, stateless like POST /step: a tool call is the first step of a fresh episode.
        return handleJsonRpc(body, {
          spec: core.spec,
          reject: (action) => core.rejectReason(action),
          call: (action) =>
            core.withScratch(async (s) => {
              await s.reset({ seed: core.nextSeed() });
              return s.step(action);
            }),
        });
      },
    },
  };
  try {
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) throw new HttpError(404, 'Not Found');
    const handler = Object.hasOwn(route, method) ? route[method] : undefined;
    if (!handler) throw new HttpError(405, 'Method Not Allowed');
    reply(res, 200, await handler());
  } catch (e) {
    if (e instanceof HttpError)
      return reply(res, e.status, { detail: e.detail, ...(e.code ? { code: e.code } : {}) });
    // A reset naming a task that does not exist is the client's mistake; anything else means the
    // environment failed (its code threw or hung).
    if (e instanceof RangeError)
      return reply(res, 422, {
        detail: [{ type: 'value_error', loc: ['body'], msg: e.message, input: null }],
      });
    reply(res, 500, { detail: describeError(e), ...(e instanceof PalestraError ? { code: e.code } : {}) });
  }
}
