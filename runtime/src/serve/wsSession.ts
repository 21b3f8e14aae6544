import { checkJsonText, InputLimitError, PalestraError, REQUEST_LIMITS } from '@palestra/envs';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import type { ServeCore } from './core.ts';
import { openEnvTools } from './describe.ts';
import { describeError, ServeError } from './errors.ts';
import { handleJsonRpc, JSONRPC, rpcError } from './jsonRpc.ts';
import { EnvSession } from './session.ts';
import { zodIssues } from './wireAction.ts';
import { wireJson } from './wireJson.ts';

/** OpenEnv's WebSocket error codes (`WSErrorCode`). */
export type WsErrorCode =
  | 'INVALID_JSON'
  | 'UNKNOWN_TYPE'
  | 'VALIDATION_ERROR'
  | 'EXECUTION_ERROR'
  | 'CAPACITY_REACHED'
  | 'FACTORY_ERROR'
  | 'SESSION_ERROR';

const data = z.record(z.string(), z.unknown());
const messages = {
  reset: z.strictObject({ type: z.literal('reset'), data: data.optional() }),
  step: z.strictObject({ type: z.literal('step'), data }),
  state: z.strictObject({ type: z.literal('state') }),
  close: z.strictObject({ type: z.literal('close') }),
  mcp: z.strictObject({ type: z.literal('mcp'), data }),
};

/**
 * One WebSocket connection on `/ws`: one environment, one session, exactly one reply per message
 * (except `close`, which closes), in the order the messages came. Errors about one message
 * (INVALID_JSON, UNKNOWN_TYPE, VALIDATION_ERROR, EXECUTION_ERROR) keep the socket; CAPACITY_REACHED
 * (checked at connect), FACTORY_ERROR (the environment could not be built) and SESSION_ERROR (the
 * session timed out idle) are sent once, then the socket is closed.
 */
export function attachSocket(ws: WebSocket, core: ServeCore, mcpSessionId?: string): void {
  const send = (msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(wireJson(msg));
  };
  const error = (code: WsErrorCode, message: string, extra: Record<string, unknown> = {}) =>
    send({ type: 'error', data: { message, code, ...extra } });

  // Attached to a `POST /mcp` session: its slot and environment are the session's, not the socket's.
  let attached: EnvSession | undefined;
  if (mcpSessionId !== undefined) {
    const r = core.httpMcp.attach(mcpSessionId);
    if ('error' in r) {
      error('SESSION_ERROR', r.error);
      ws.close(1000, 'session error');
      return;
    }
    attached = r.session;
  }

  const max = core.options.maxSessions;
  if (!attached && core.active >= max) {
    error('CAPACITY_REACHED', `the server is at capacity: ${core.active} of ${max} sessions are open`, {
      active_sessions: core.active,
      max_sessions: max,
    });
    ws.close(1000, 'capacity reached');
    return;
  }
  const slot = Symbol('session');
  if (!attached) core.slots.add(slot);

  let session: EnvSession | undefined;
  let finished = false;
  // The slot is held until the environment is back: a client that leaves while its environment is
  // still being built does not let more environments be built at once than `maxSessions`.
  let opening = true;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (opening) return; // the open below releases the slot when it settles
    if (attached) return core.httpMcp.detach(mcpSessionId as string);
    session?.close();
    core.slots.delete(slot);
  };
  // The idle clock runs only while the session waits for the client: from its last reply (or from
  // the moment its environment is ready) to the next message. Work in progress is never idle.
  const idleMs = core.options.idleTimeoutS * 1000;
  let pending = 0;
  const armIdle = () => {
    clearTimeout(timer);
    if (idleMs <= 0 || finished || pending > 0) return;
    timer = setTimeout(() => {
      error(
        'SESSION_ERROR',
        `the session was idle for more than ${core.options.idleTimeoutS} s and was closed; connect again for a new one`,
      );
      ws.close(1000, 'idle timeout');
      core.idleExpired += 1;
      finish();
    }, idleMs);
  };

  // Messages are handled one at a time, in order; the first link builds the environment.
  let chain: Promise<void> = (attached ? Promise.resolve(attached) : core.openSession()).then(
    (s) => {
      opening = false;
      session = s;
      if (finished) {
        if (attached) core.httpMcp.detach(mcpSessionId as string);
        else {
          s.close();
          core.slots.delete(slot);
        }
      }
      armIdle();
    },
    (e) => {
      opening = false;
      if (finished) {
        core.slots.delete(slot);
        return;
      }
      error('FACTORY_ERROR', `the environment could not be built: ${describeError(e)}`, {
        factory_name: core.spec.name,
      });
      ws.close(1000, 'factory error');
      finish();
    },
  );

  ws.on('message', (raw: RawData) => {
    pending += 1;
    clearTimeout(timer);
    chain = chain.then(async () => {
      try {
        if (!finished && session) await handle(raw, session);
      } catch (e) {
        error('EXECUTION_ERROR', describeError(e));
      } finally {
        pending -= 1;
        armIdle();
      }
    });
  });
  ws.on('close', finish);
  ws.on('error', finish);

  async function handle(raw: RawData, s: EnvSession): Promise<void> {
    let msg: unknown;
    const text = raw.toString();
    try {
      // Depth and size before anything recurses over the message (zod, and every JSON.stringify after).
      checkJsonText(text, REQUEST_LIMITS, 'the message');
    } catch (e) {
      if (!(e instanceof InputLimitError)) throw e;
      return error('VALIDATION_ERROR', describeError(e), { palestra_code: e.code });
    }
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return error('INVALID_JSON', `Invalid JSON: ${(e as Error).message}`);
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg))
      return error('VALIDATION_ERROR', 'a message is a JSON object with a "type"', { errors: [] });
    const type = (msg as { type?: unknown }).type;
    const schema =
      typeof type === 'string' && Object.hasOwn(messages, type)
        ? messages[type as keyof typeof messages]
        : undefined;
    if (!schema) return error('UNKNOWN_TYPE', `Unknown message type: ${String(type ?? '')}`);
    const parsed = schema.safeParse(msg);
    if (!parsed.success)
      return error('VALIDATION_ERROR', 'Invalid message', { errors: zodIssues(parsed.error, [], msg) });
    try {
      switch (type) {
        case 'reset': {
          const opts = core.parseReset((msg as { data?: unknown }).data, ['data']);
          if (!opts.ok) return error('VALIDATION_ERROR', 'Invalid reset parameters', { errors: opts.issues });
          return send({ type: 'observation', data: await s.reset(opts.value) });
        }
        case 'step': {
          // As OpenEnv: `loc` is relative to the action (it validates `data` as the action model).
          const a = core.parseAction((msg as { data: unknown }).data, []);
          if (!a.ok)
            return error('VALIDATION_ERROR', `Invalid action: ${a.issues[0]?.msg}`, { errors: a.issues });
          if (a.value.kind === 'list_tools')
            return send({
              type: 'observation',
              data: {
                observation: { tools: openEnvTools(core.spec), metadata: {} },
                reward: null,
                done: s.isEnded,
              },
            });
          if (a.value.kind === 'tool_error')
            return send({
              type: 'observation',
              data: EnvSession.toolError(a.value.toolName, a.value.error, s.isEnded),
            });
          const { action, callTool } = a.value;
          const r = s.step(action);
          return send({
            type: 'observation',
            data: EnvSession.wire(r, callTool, 'tool' in action ? action.tool : undefined, s.spaces),
          });
        }
        case 'state':
          return send({ type: 'state', data: s.state() });
        case 'close':
          ws.close(1000, 'closed by client');
          return finish();
        case 'mcp': {
          const rpc = (msg as { data: unknown }).data;
          const reply = await handleJsonRpc(rpc, {
            spec: core.spec,
            reject: (action) => core.rejectReason(action),
            call: async (action) => s.step(action),
          }).catch((e) => rpcError(undefined, JSONRPC.INTERNAL_ERROR, describeError(e)));
          return send({ type: 'mcp', data: reply });
        }
      }
    } catch (e) {
      return error(
        'EXECUTION_ERROR',
        expiredHint(core, e) ?? describeError(e),
        e instanceof PalestraError ? { palestra_code: e.code } : {},
      );
    }
  }
}

/**
 * A step or state before any reset, on a server where some session has timed out idle: OpenEnv's
 * client reconnects silently after the server closed its socket, so its next step lands on a new
 * session with no episode. Say so, rather than only "no episode is running".
 */
function expiredHint(core: ServeCore, e: unknown): string | undefined {
  if (!(e instanceof ServeError) || e.code !== 'STEP_BEFORE_RESET' || core.idleExpired === 0)
    return undefined;
  return `no episode is running on this connection; ${core.idleExpired} session(s) of this server expired after ${core.options.idleTimeoutS} s without a message (--idle-timeout), and a client that reconnected silently lost its episode (send reset to start a new one)`;
}
