import { randomUUID } from 'node:crypto';
import type { ServeCore } from './core.ts';
import { describeError } from './errors.ts';
import { handleJsonRpc, JSONRPC, type JsonRpcResponse, rpcError } from './jsonRpc.ts';
import type { EnvSession } from './session.ts';

interface McpSession {
  session: EnvSession;
  slot: symbol;
  timer: NodeJS.Timeout | undefined;
  /** Calls of one session run one at a time, in the order they came. */
  chain: Promise<unknown>;
  /** A WebSocket attached with `/ws?session_id=…` (openenv ≥ 0.10's MCPToolClient does). */
  attached: boolean;
  /** `openenv/session/close` came while a WebSocket was attached: close when it detaches. */
  closePending: boolean;
}

/**
 * OpenEnv's persistent sessions over `POST /mcp` (what `MCPToolClient` uses with
 * `use_production_mode = True`): `openenv/session/create` → `{session_id}`, then `tools/list` and
 * `tools/call` with `params.session_id` play steps of that session's episode, and
 * `openenv/session/close {session_id}` → `{session_id, closed: true}`. A session holds one of the
 * `--max-sessions` slots, like a WebSocket session, and is closed after `--idle-timeout` seconds
 * without a call. Palestra's tools act on an episode, so `create` also resets one (params `seed`,
 * `task_id`, `task_index`, as for a reset; the next server seed otherwise).
 *
 * As in OpenEnv ≥ 0.10, a WebSocket may attach to a session with `/ws?session_id=<id>`, so that its
 * reset/step/state and the session's `/mcp` calls share one environment (openenv 0.10's
 * MCPToolClient connects this way). While attached the session does not time out; a close asked
 * for meanwhile happens when the socket detaches.
 */
export class McpHttpSessions {
  private readonly sessions = new Map<string, McpSession>();

  constructor(private readonly core: ServeCore) {}

  /** Answers a JSON-RPC request that names a session method or a `session_id`; otherwise undefined. */
  async handle(body: unknown): Promise<JsonRpcResponse | undefined> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const { id, method, params } = body as { id?: unknown; method?: unknown; params?: unknown };
    const isSessionMethod = method === 'openenv/session/create' || method === 'openenv/session/close';
    const p = params ?? {};
    if (!p || typeof p !== 'object' || Array.isArray(p))
      return isSessionMethod ? rpcError(id, JSONRPC.INVALID_PARAMS, 'Params must be an object') : undefined;
    const sessionId = (p as { session_id?: unknown }).session_id;
    if (method === 'openenv/session/create') return this.create(id, p as Record<string, unknown>);
    if (method === 'openenv/session/close') return this.close(id, sessionId);
    if (sessionId === undefined || sessionId === null) return undefined;
    const s = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (!s) return rpcError(id, JSONRPC.INVALID_PARAMS, `Unknown session_id: ${String(sessionId)}`);
    const { session_id: _, ...rest } = p as Record<string, unknown>;
    const run = s.chain.then(async () => {
      clearTimeout(s.timer);
      try {
        return await handleJsonRpc(
          { ...(body as object), params: rest },
          {
            spec: this.core.spec,
            reject: (action) => this.core.rejectReason(action),
            call: async (action) => s.session.step(action),
          },
        );
      } finally {
        this.armIdle(sessionId as string, s);
      }
    });
    s.chain = run.catch(() => undefined);
    return run;
  }

  private async create(id: unknown, params: Record<string, unknown>): Promise<JsonRpcResponse> {
    const max = this.core.options.maxSessions;
    if (this.core.active >= max)
      return rpcError(
        id,
        JSONRPC.SERVER_ERROR,
        `the server is at capacity: ${this.core.active} of ${max} sessions are open`,
        { active_sessions: this.core.active, max_sessions: max },
      );
    const { session_id: _, ...resetParams } = params;
    const opts = this.core.parseReset(resetParams, ['params']);
    if (!opts.ok) return rpcError(id, JSONRPC.INVALID_PARAMS, `Invalid params: ${opts.issues[0]?.msg}`);
    const slot = Symbol('mcp-session');
    this.core.slots.add(slot);
    let session: EnvSession | undefined;
    try {
      session = await this.core.openSession();
      await session.reset(opts.value);
    } catch (e) {
      session?.close();
      this.core.slots.delete(slot);
      return rpcError(id, JSONRPC.SERVER_ERROR, `the session could not be created: ${describeError(e)}`, {
        factory_name: this.core.spec.name,
      });
    }
    const sessionId = randomUUID();
    const s: McpSession = {
      session,
      slot,
      timer: undefined,
      chain: Promise.resolve(),
      attached: false,
      closePending: false,
    };
    this.sessions.set(sessionId, s);
    this.armIdle(sessionId, s);
    return { jsonrpc: '2.0', id: id ?? null, result: { session_id: sessionId } };
  }

  private async close(id: unknown, sessionId: unknown): Promise<JsonRpcResponse> {
    if (!sessionId) return rpcError(id, JSONRPC.INVALID_PARAMS, "Invalid params - 'session_id' is required");
    const s = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (!s) return rpcError(id, JSONRPC.INVALID_PARAMS, `Unknown session_id: ${String(sessionId)}`);
    // After the calls already sent: their environment is not handed back under them.
    await s.chain;
    if (s.attached) s.closePending = true;
    else this.drop(sessionId as string);
    return { jsonrpc: '2.0', id: id ?? null, result: { session_id: sessionId, closed: true } };
  }

  private armIdle(sessionId: string, s: McpSession): void {
    clearTimeout(s.timer);
    const ms = this.core.options.idleTimeoutS * 1000;
    if (ms > 0 && !s.attached && this.sessions.get(sessionId) === s)
      s.timer = setTimeout(() => this.drop(sessionId), ms);
  }

  /**
   * A WebSocket attaches to the session (`/ws?session_id=…`): returns its episode's session, or why
   * not (unknown id, a socket already attached), which the socket reports as SESSION_ERROR.
   */
  attach(sessionId: string): { session: EnvSession } | { error: string } {
    const s = this.sessions.get(sessionId);
    if (!s) return { error: `Unknown session_id: ${sessionId}` };
    if (s.attached) return { error: `Session ${sessionId} already has an attached WebSocket` };
    s.attached = true;
    clearTimeout(s.timer);
    return { session: s.session };
  }

  /** The attached WebSocket is gone: the session lives on (or closes, if that was asked for). */
  detach(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    s.attached = false;
    if (s.closePending) this.drop(sessionId);
    else this.armIdle(sessionId, s);
  }

  private drop(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.sessions.delete(sessionId);
    clearTimeout(s.timer);
    s.session.close();
    this.core.slots.delete(s.slot);
  }

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /** Closes every session (the server is stopping). */
  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}
