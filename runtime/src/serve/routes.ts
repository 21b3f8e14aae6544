import type { IncomingMessage } from 'node:http';
import { wireSpaces } from '@palestra/envs';
import { z } from 'zod';
import { resetSchema, type ServeCore } from './core.ts';
import {
  actionSchema,
  envMetadata,
  observationSchema,
  openEnvTools,
  resetObservationSchema,
  stateSchema,
} from './describe.ts';
import { HttpError, readJson, unprocessable } from './httpBody.ts';
import { handleJsonRpc, JSONRPC, rpcError } from './jsonRpc.ts';
import { type JsonSchema, openApiDocument, type RouteDoc } from './openapi.ts';
import { EnvSession, type WireState } from './session.ts';
import {
  checkEnvName,
  getTask,
  listSplits,
  readTasks,
  splitBody,
  splitIndices,
  taskBody,
  taskRangeBody,
} from './tasks.ts';
import { zodIssues } from './validationIssues.ts';
import { vectorCloseBody, vectorResetBody, vectorStepBody } from './vector.ts';
import { webPage } from './web.ts';

export const stepBody = z.looseObject({
  action: z.unknown().refine((v) => v !== undefined, 'Field required'),
  timeout_s: z.number().gt(0).nullish(),
  request_id: z.string().max(255).nullish(),
});

/** A route of the table: its document and its handler. */
export interface Route extends RouteDoc {
  handle(req: IncomingMessage, params: Record<string, string>): Promise<unknown> | unknown;
}

const bodySchema =
  (schema: z.ZodType, replace: Record<string, unknown> = {}) =>
  (): JsonSchema => {
    const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    return { ...s, properties: { ...(s.properties as object), ...replace } };
  };

/** OpenEnv's `ResetResponse` / `StepResponse`: `metadata` is null unless the environment sets it. */
const stepResponse = (observation: JsonSchema) => (): JsonSchema => ({
  type: 'object',
  properties: {
    observation,
    reward: { type: ['number', 'null'] },
    done: { type: 'boolean' },
    metadata: { type: ['object', 'null'] },
  },
  required: ['observation', 'reward', 'done'],
});

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

/** A body validated with `schema`, or a 422 with pydantic's `detail`. */
async function parseBody<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.output<T>> {
  const body = await readJson(req, undefined);
  const r = schema.safeParse(body);
  if (!r.success) throw unprocessable(zodIssues(r.error, ['body'], body));
  return r.data;
}

/**
 * Every HTTP route of `palestra serve`, in one table: `handleHttp` dispatches on it and
 * `GET /openapi.json` documents it, so the two cannot drift. Like OpenEnv, HTTP keeps no episode
 * between calls (episodes live on the WebSocket): `POST /reset` starts an episode and reports its
 * first observation; `POST /step` plays its action as the first step of a fresh episode.
 */
export function httpRoutes(core: ServeCore): Route[] {
  const spec = core.spec;
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/health',
      tag: 'Health',
      summary: 'Health check',
      response: { schema: () => ({ type: 'object', properties: { status: { const: 'healthy' } } }) },
      handle: () => ({ status: 'healthy' }),
    },
    {
      method: 'GET',
      path: '/metadata',
      tag: 'Environment Info',
      summary: "OpenEnv's EnvironmentMetadata",
      handle: () => envMetadata(spec),
    },
    {
      method: 'GET',
      path: '/schema',
      tag: 'Schema',
      summary: 'JSON Schemas of the action, the observations (step and reset) and the state',
      // Exactly OpenEnv's SchemaResponse, whose pydantic model forbids other keys: spaces are at /spaces.
      handle: () => ({
        action: actionSchema(spec),
        observation: observationSchema(spec),
        reset_observation: resetObservationSchema(spec),
        state: stateSchema(),
      }),
    },
    {
      method: 'GET',
      path: '/spaces',
      tag: 'Palestra',
      summary:
        "Not OpenEnv's: the Gymnasium action and observation spaces (the spec's spaces, else Text spaces)",
      handle: () => wireSpaces(spec),
    },
    {
      method: 'GET',
      path: '/state',
      tag: 'State Management',
      summary: 'The state of a fresh environment (HTTP keeps no episode; use /ws)',
      response: { schema: stateSchema },
      handle: () => freshState(core),
    },
    {
      method: 'POST',
      path: '/reset',
      tag: 'Environment Control',
      summary: 'Reset: the first observation of a fresh episode',
      body: bodySchema(resetSchema),
      response: { schema: stepResponse(resetObservationSchema(spec)) },
      handle: async (req) => {
        const body = await readJson(req, {});
        const opts = core.parseReset(body, ['body']);
        if (!opts.ok) throw unprocessable(opts.issues);
        return { ...(await core.withScratch((s) => s.reset(opts.value))), metadata: null };
      },
    },
    {
      method: 'POST',
      path: '/step',
      tag: 'Environment Control',
      summary: 'One action, played as the first step of a fresh episode (use /ws for longer episodes)',
      body: bodySchema(stepBody, { action: actionSchema(spec) }),
      response: { schema: stepResponse(observationSchema(spec)) },
      handle: async (req) => {
        const b = await parseBody(req, stepBody);
        // As OpenEnv: the action is validated inside the handler, so `loc` is relative to the action.
        const a = core.parseAction(b.action, []);
        if (!a.ok) throw unprocessable(a.issues);
        if (a.value.kind === 'list_tools')
          return {
            observation: { tools: openEnvTools(spec), metadata: {} },
            reward: null,
            done: false,
            metadata: null,
          };
        if (a.value.kind === 'tool_error')
          return { ...EnvSession.toolError(a.value.toolName, a.value.error, false), metadata: null };
        const { action, callTool } = a.value;
        const { action: _a, timeout_s: _t, request_id: _r, ...resetFields } = b;
        const opts = core.parseReset(resetFields, ['body']);
        if (!opts.ok) throw unprocessable(opts.issues);
        const r = await core.withScratch(async (s) => {
          await s.reset(opts.value);
          return EnvSession.wire(
            s.step(action),
            callTool,
            'tool' in action ? action.tool : undefined,
            s.spaces,
          );
        });
        return { ...r, metadata: null };
      },
    },
    {
      method: 'POST',
      path: '/mcp',
      tag: 'MCP',
      summary: 'MCP JSON-RPC 2.0: tools/list, tools/call, openenv/session/create|close',
      body: () => ({ type: 'object', description: 'A JSON-RPC 2.0 request' }),
      handle: async (req) => {
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
          spec,
          reject: (action) => core.rejectReason(action),
          call: (action) =>
            core.withScratch(async (s) => {
              await s.reset({ seed: core.nextSeed() });
              return s.step(action);
            }),
        });
      },
    },
    {
      method: 'GET',
      path: '/ws',
      tag: 'WebSocket',
      summary:
        "OpenEnv's WebSocket session (reset, step, state, mcp, close messages); ?session_id= attaches to a POST /mcp session",
      response: { status: 101 },
      otherStatuses: { '426': 'Upgrade Required: open it as a WebSocket' },
      handle: () => {
        throw new HttpError(426, 'Upgrade Required: /ws is a WebSocket endpoint');
      },
    },
    {
      method: 'GET',
      path: '/web',
      tag: 'Web',
      summary: 'A page to play the environment by hand (forms built from /schema)',
      response: { type: 'text/html' },
      handle: (req) => webPage(core, req, 'GET'),
    },
    {
      method: 'POST',
      path: '/web',
      tag: 'Web',
      summary: "The page's forms: reset, or one more action (the episode is replayed from its seed)",
      response: { type: 'text/html' },
      handle: (req) => webPage(core, req, 'POST'),
    },
    {
      method: 'GET',
      path: '/list_environments',
      tag: 'Task API',
      summary: 'The environments served: this one',
      handle: () => [spec.name],
    },
    {
      method: 'GET',
      path: '/{env_name}/splits',
      tag: 'Task API',
      summary: 'The task splits: train and eval (held out)',
      handle: (_req, p) => {
        checkEnvName(core, p.env_name!);
        return listSplits();
      },
    },
    {
      method: 'POST',
      path: '/{env_name}/tasks',
      tag: 'Task API',
      summary: "A split's tasks {index, id, instructions, split}; index is reset's task_index",
      body: bodySchema(splitBody),
      handle: async (req, p) => {
        checkEnvName(core, p.env_name!);
        const b = await parseBody(req, splitBody);
        const tasks = await readTasks(core, b.split as 'train', splitIndices(core, b.split));
        return { tasks, env_name: spec.name };
      },
    },
    {
      method: 'POST',
      path: '/{env_name}/num_tasks',
      tag: 'Task API',
      summary: 'How many tasks a split has',
      body: bodySchema(splitBody),
      handle: async (req, p) => {
        checkEnvName(core, p.env_name!);
        const b = await parseBody(req, splitBody);
        return { num_tasks: splitIndices(core, b.split).length };
      },
    },
    {
      method: 'POST',
      path: '/{env_name}/task',
      tag: 'Task API',
      summary: 'One task by its position in the split',
      body: bodySchema(taskBody),
      handle: async (req, p) => {
        checkEnvName(core, p.env_name!);
        const b = await parseBody(req, taskBody);
        return { task: await getTask(core, b.split, b.index) };
      },
    },
    {
      method: 'POST',
      path: '/{env_name}/task_range',
      tag: 'Task API',
      summary: "Tasks start ≤ position < stop of a split (Python's slice)",
      body: bodySchema(taskRangeBody),
      handle: async (req, p) => {
        checkEnvName(core, p.env_name!);
        const b = await parseBody(req, taskRangeBody);
        const indices = splitIndices(core, b.split).slice(b.start ?? undefined, b.stop ?? undefined);
        return { tasks: await readTasks(core, b.split as 'train', indices) };
      },
    },
    {
      method: 'POST',
      path: '/vector/reset',
      tag: 'Palestra',
      summary:
        "Not OpenEnv's: a vector of n sub-envs (sub-env i gets seed + i), or with vector_id a reset of one (mask: only those)",
      body: bodySchema(vectorResetBody),
      otherStatuses: { '404': 'no such vector (closed or expired)', '503': 'the server is at capacity' },
      handle: async (req) => core.vectors.reset(await parseBody(req, vectorResetBody)),
    },
    {
      method: 'POST',
      path: '/vector/step',
      tag: 'Palestra',
      summary:
        "Not OpenEnv's: one step of every sub-env of a vector, with Gymnasium's autoreset (next_step, same_step, disabled)",
      body: bodySchema(vectorStepBody),
      otherStatuses: {
        '404': 'no such vector (closed or expired)',
        '409': 'the vector failed mid-step: reset it',
      },
      handle: async (req) => core.vectors.step(await parseBody(req, vectorStepBody)),
    },
    {
      method: 'POST',
      path: '/vector/close',
      tag: 'Palestra',
      summary: "Not OpenEnv's: closes a vector and frees its slot",
      body: bodySchema(vectorCloseBody),
      otherStatuses: { '404': 'no such vector (closed or expired)' },
      handle: async (req) => core.vectors.close((await parseBody(req, vectorCloseBody)).vector_id),
    },
    {
      method: 'GET',
      path: '/sessions',
      tag: 'Palestra',
      summary: "Not OpenEnv's: WebSocket and /mcp sessions holding a slot now",
      handle: () => ({ active: core.active, max_sessions: core.options.maxSessions }),
    },
  ];
  routes.push({
    method: 'GET',
    path: '/openapi.json',
    tag: 'Schema',
    summary: 'This document',
    handle: () => openApiDocument(spec, routes),
  });
  return routes;
}

/** The route answering `method path`, with its path parameters; `405` when only the method is wrong. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  // Literal paths first, so `/{env_name}/tasks` never shadows a fixed route.
  const ordered = [...routes].sort((a, b) => Number(a.path.includes('{')) - Number(b.path.includes('{')));
  for (const route of ordered) {
    const names: string[] = [];
    const escaped = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const pattern = escaped.replace(/\{([^}]+)\}/g, (_, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    const m = new RegExp(`^${pattern}$`).exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1]!);
    });
    return { route, params };
  }
  return pathMatched ? 'method' : undefined;
}
