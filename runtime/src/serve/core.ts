import { compileSpaces, type Env, type EnvHandle, type EnvSource, openEnv } from '@palestra/envs';
import { z } from 'zod';
import { McpHttpSessions } from './mcpSessions.ts';
import { EnvSession, type SessionResetOptions } from './session.ts';
import { VectorSessions } from './vector.ts';
import { checkAction, type ParseResult, parseWireAction, type WireAction, zodIssues } from './wireAction.ts';

/** What `palestra serve` can be told. Validated at the boundary (`startServer`). */
export const serveOptionsSchema = z.object({
  /** TCP port; 0 picks a free one. */
  port: z.int().min(0).max(65535).default(8000),
  /** Interface to listen on. The default answers this machine only. */
  host: z.string().min(1).default('127.0.0.1'),
  /** OpenEnv's `max_concurrent_envs`: WebSocket sessions at once, each with its own environment. */
  maxSessions: z.int().min(1).default(8),
  /**
   * A session with no message for this many seconds is closed (0: never). An hour: the clock runs
   * only while the server waits for the client, and a trainer can spend many minutes between two
   * steps of one episode (generation of a whole batch, an optimisation step); OpenEnv has none.
   */
  idleTimeoutS: z.number().min(0).default(3600),
  /**
   * `reject` (OpenEnv's behaviour): an action that fails the action schema — unknown tool,
   * arguments that fail the tool's JSON Schema — is answered 422 / VALIDATION_ERROR and no step is
   * taken. `penalize` (Palestra's kernel rule): it is played as a step with an `Error:` observation
   * and `limits.invalidActionPenalty`, so a policy in training pays for it.
   */
  invalidActions: z.enum(['reject', 'penalize']).default('reject'),
});

export type ServeOptions = z.output<typeof serveOptionsSchema>;
export type ServeOptionsInput = z.input<typeof serveOptionsSchema>;

/** OpenEnv's reset body (`POST /reset`, a `/ws` reset's `data`), plus Palestra's task choice. */
export const resetSchema = z.looseObject({
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  episode_id: z.string().max(255).nullish(),
  task_id: z.string().min(1).nullish(),
  taskId: z.string().min(1).nullish(),
  task_index: z.int().min(0).nullish(),
  taskIndex: z.int().min(0).nullish(),
});

/**
 * What the HTTP routes and the WebSocket sessions share: the environment source, the options,
 * the session count (capacity), the seed counter and one environment for stateless HTTP calls.
 */
export class ServeCore {
  /** WebSocket sessions open or opening (a slot is taken at connect, before the env is built). */
  /** One entry per WebSocket session holding a slot; deleting twice is harmless, unlike a counter. */
  readonly slots = new Set<symbol>();
  get active(): number {
    return this.slots.size;
  }
  private seedCounter = 0;
  private scratch: Promise<EnvSession> | undefined;
  /** Environments of ended sessions, kept for the next ones (never more than `maxSessions`). */
  private idle: EnvHandle[] = [];
  private disposed = false;
  /** WebSocket sessions closed by the idle timeout so far (their clients may come back without an episode). */
  idleExpired = 0;
  /** Environments built for sessions so far (reuse keeps it at the peak of concurrent sessions). */
  environmentsBuilt = 0;
  private scratchLock: Promise<unknown> = Promise.resolve();
  /** OpenEnv's persistent `POST /mcp` sessions (`openenv/session/create`), holding slots too. */
  readonly httpMcp: McpHttpSessions = new McpHttpSessions(this);
  /** Palestra's vector extension (`POST /vector/reset|step|close`): n sub-envs per request. */
  readonly vectors: VectorSessions = new VectorSessions(this);

  constructor(
    readonly source: EnvSource,
    /** An in-process env used only to check actions (`Env.toEvent`), never stepped. */
    private readonly validator: Env,
    readonly options: ServeOptions,
    /** How a session's environment is built (tests replace it to fail or to delay it). */
    private readonly buildEnv: (source: EnvSource) => Promise<EnvHandle> = openEnv,
  ) {}

  get spec() {
    return this.source.spec;
  }

  /**
   * The seed of a reset that names none: a server-wide counter (0, 1, 2, …), so clients that never
   * pass a seed still get different episodes, and each one says its seed so it can be replayed.
   */
  nextSeed(): number {
    return this.seedCounter++;
  }

  /** OpenEnv's reset request: `seed`, `episode_id`, plus `task_id` / `task_index`; other keys ignored. */
  parseReset(data: unknown, loc: (string | number)[]): ParseResult<SessionResetOptions> {
    const r = resetSchema.safeParse(data ?? {});
    if (!r.success) return { ok: false, issues: zodIssues(r.error, loc, data) };
    const d = r.data;
    const taskId = d.task_id ?? d.taskId ?? undefined;
    const taskIndex = d.task_index ?? d.taskIndex ?? undefined;
    return {
      ok: true,
      value: {
        seed: d.seed ?? this.nextSeed(),
        ...(d.episode_id ? { episodeId: d.episode_id } : {}),
        ...(taskId !== undefined ? { taskId } : {}),
        ...(taskIndex !== undefined ? { taskIndex } : {}),
      },
    };
  }

  /** An action from the wire, checked against the tools when the server rejects invalid actions. */
  parseAction(data: unknown, loc: (string | number)[]): ParseResult<WireAction> {
    const r = isSpaceAction(data) ? this.parseSpaceAction(data, loc) : parseWireAction(data, loc);
    if (!r.ok || r.value.kind !== 'step' || this.options.invalidActions === 'penalize') return r;
    const rejection = checkAction(this.validator, r.value.action, loc);
    if (!rejection) return r;
    // OpenEnv validates only the envelope of a CallToolAction; its MCP environment answers a call
    // to an unknown tool or with bad arguments with an observation carrying a ToolError.
    if (r.value.callTool && 'tool' in r.value.action)
      return {
        ok: true,
        value: {
          kind: 'tool_error',
          toolName: r.value.action.tool,
          error: {
            error_type: rejection.code === 'UNKNOWN_TOOL' ? 'tool_not_found' : 'invalid_args',
            message: rejection.message,
          },
        },
      };
    return { ok: false, issues: rejection.issues };
  }

  /**
   * `{"space": v}`: a value of the spec's Gymnasium action space (`spaces.action`), mapped to the
   * tool call it stands for; a 422 at `["space", …]` when the value is not in the space, or when
   * the environment declares no spaces.
   */
  private parseSpaceAction(data: Record<string, unknown>, loc: (string | number)[]): ParseResult<WireAction> {
    const extra = Object.keys(data).filter((k) => k !== 'space' && k !== 'metadata');
    if (extra.length > 0)
      return {
        ok: false,
        issues: extra.map((k) => ({
          type: 'extra_forbidden',
          loc: [...loc, k],
          msg: 'Extra inputs are not permitted',
          input: data[k],
        })),
      };
    const spaces = compileSpaces(this.spec);
    if (!spaces)
      return {
        ok: false,
        issues: [
          {
            type: 'value_error',
            loc: [...loc, 'space'],
            msg: `${this.spec.name} declares no Gymnasium spaces (GymSpec "spaces"): send a tool call {"tool", "arguments"} or {"text"}`,
            input: data.space,
          },
        ],
      };
    const m = spaces.toAction(data.space);
    if (!m.ok)
      return {
        ok: false,
        issues: [
          {
            type: 'value_error',
            loc: [...loc, 'space', ...m.problem.loc],
            msg: `not in the action space ${JSON.stringify(spaces.action)}: ${m.problem.message}`,
            input: data.space,
          },
        ],
      };
    return { ok: true, value: { kind: 'step', callTool: false, action: m.action } };
  }

  /** Why a tool call would be rejected (strict servers only). */
  rejectReason(action: Parameters<Env['toEvent']>[0]): string | undefined {
    if (this.options.invalidActions === 'penalize') return undefined;
    return checkAction(this.validator, action, [])?.message;
  }

  /**
   * A session with its own environment. Environments of ended sessions are reused (a worker thread
   * takes about a second to start; `reset` rebuilds all episode state), so the server never holds
   * more environments than the most sessions it had open at once, at most `maxSessions`.
   */
  async openSession(): Promise<EnvSession> {
    let env = this.idle.pop();
    if (!env) {
      env = await this.buildEnv(this.source);
      this.environmentsBuilt += 1;
    }
    return new EnvSession(env, (e) => {
      if (this.disposed || this.idle.length >= this.options.maxSessions) e.close();
      else this.idle.push(e);
    });
  }

  /**
   * Runs a stateless HTTP call on the one environment kept for them, one call at a time. Each call
   * starts with a reset, which rebuilds every bit of episode state, so this is the same as OpenEnv
   * building and closing an environment per call, without a worker thread per request.
   */
  withScratch<T>(fn: (s: EnvSession) => Promise<T> | T): Promise<T> {
    const run = this.scratchLock.then(async () => {
      this.scratch ??= EnvSession.open(this.source);
      let s: EnvSession;
      try {
        s = await this.scratch;
      } catch (e) {
        this.scratch = undefined;
        throw e;
      }
      return fn(s);
    });
    this.scratchLock = run.catch(() => undefined);
    return run;
  }

  /** Stops the environments the core owns (not the sessions: the server closes their sockets). */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.httpMcp.dispose();
    this.vectors.dispose();
    for (const e of this.idle.splice(0)) e.close();
    await this.scratchLock;
    const s = await this.scratch?.catch(() => undefined);
    s?.close();
    this.scratch = undefined;
    this.validator.close();
  }
}

/** An action object carrying `space` (and no tool call or text): a value of the action space. */
function isSpaceAction(data: unknown): data is Record<string, unknown> {
  return (
    !!data &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    'space' in data &&
    !('tool' in data) &&
    !('text' in data) &&
    !('type' in data)
  );
}
