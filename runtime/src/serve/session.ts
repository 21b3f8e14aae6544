import { randomUUID } from 'node:crypto';
import {
  type Action,
  type CompiledSpaces,
  compileSpaces,
  type EnvHandle,
  type EnvSource,
  EnvStateError,
  type InvalidAction,
  openEnv,
  type StepResult,
} from '@palestra/envs';
import { ServeError } from './errors.ts';
import type { ToolError } from './wireAction.ts';

/** What `reset` takes, OpenEnv's names first (`seed`, `episode_id`) plus Palestra's task choice. */
export interface SessionResetOptions {
  seed: number;
  /** Any string the client picks; a random UUID otherwise (it names the episode, it does not shape it). */
  episodeId?: string;
  taskId?: string;
  taskIndex?: number;
}

/**
 * An OpenEnv observation, Palestra's way: `text` is what an LLM reads, `json` the structured view.
 * `reward` and `done` travel beside it at the top level (OpenEnv's `{observation, reward, done}`).
 */
export interface WireObservation {
  text: string;
  json: Record<string, unknown>;
  /** Steps taken in the episode (0 after reset). */
  step: number;
  /** Active states of the statechart, as dotted paths. */
  state: string[];
  terminated: boolean;
  truncated: boolean;
  /** The exact reward in signed integer micro-units (`reward` is this / 10⁶); null at reset. */
  reward_micros: number | null;
  /** Why the action was invalid, when the server plays invalid actions as penalised steps. */
  invalid_action: InvalidAction | null;
  /** Present after reset. */
  episode_id?: string;
  seed?: number;
  task_id?: string;
  instructions?: string;
  /** Present when the action was OpenEnv's `call_tool` (what its MCPToolClient reads). */
  tool_name?: string;
  /** The tool's result as OpenEnv's MCP environments send it (FastMCP's `CallToolResult`); null on error. */
  result?: WireCallToolResult | null;
  error?: ToolError | null;
  /** OpenEnv's `Observation.metadata`: always `{}` here (its pydantic model always has it). */
  metadata: Record<string, never>;
  /**
   * The observation's value in the spec's Gymnasium observation space (`spaces.observation`),
   * when the spec declares spaces: an int (Discrete), a list (MultiDiscrete), nested lists (Box).
   */
  space?: unknown;
}

/**
 * FastMCP's `CallToolResult` as OpenEnv's MCP environments put it on the wire; `data` is what
 * `MCPToolClient.call_tool` returns (here the observation text), `structured_content` wraps it the
 * way FastMCP wraps a tool's non-object return value.
 */
export interface WireCallToolResult {
  content: { type: 'text'; text: string; annotations: null; meta: null }[];
  structured_content: { result: string };
  meta: null;
  data: string;
  is_error: false;
}

/** A `call_tool` that was not run: OpenEnv's `CallToolObservation` with `result: null` and an `error`. */
export interface WireToolError {
  observation: { tool_name: string; result: null; error: ToolError; metadata: Record<string, never> };
  reward: null;
  done: boolean;
}

/**
 * OpenEnv's step/reset response: reward and done at the top level, `observation.metadata` `{}`;
 * over HTTP `metadata: null` is added at the top level, as OpenEnv's response models print it.
 */
export interface WireStep {
  observation: WireObservation;
  reward: number | null;
  done: boolean;
}

/** OpenEnv's `State` (`episode_id`, `step_count`) plus what identifies a Palestra episode. */
export interface WireState {
  episode_id: string | null;
  step_count: number;
  status: 'idle' | 'running' | 'ended';
  env: string;
  seed: number | null;
  task_id: string | null;
  task_index: number | null;
  /** Sum of the episode's rewards, exact in micro-units. */
  return_micros: number;
}

/**
 * One environment and the episode running in it: what a WebSocket connection (or an MCP client)
 * owns. Environments with code run isolated in a worker thread (`openEnv`); `close()` stops it.
 *
 * @example
 * const s = await EnvSession.open(loadCatalog('echo-target'));
 * s.reset({ seed: 1 });
 * const r = s.step({ tool: 'echo', arguments: { word: 'apple' } });
 * s.close();
 */
export class EnvSession {
  private episodeId: string | null = null;
  private seed: number | null = null;
  private taskId: string | null = null;
  private taskIndex: number | null = null;
  private status: 'idle' | 'running' | 'ended' = 'idle';
  private steps = 0;
  private returnMicros = 0;
  private closed = false;

  /**
   * @param env the environment; the session starts no episode until `reset`, whatever `env` did before
   * @param release what `close()` does with `env` (default: close it). A pool passes a function
   *   that keeps it for the next session: the next `reset` rebuilds all episode state.
   */
  constructor(
    readonly env: EnvHandle,
    private readonly release: (env: EnvHandle) => void = (e) => e.close(),
  ) {}

  /** The spec's Gymnasium spaces, compiled (undefined when it declares none). */
  get spaces(): CompiledSpaces | undefined {
    return compileSpaces(this.env.spec);
  }

  /** Opens the environment the safe way for its kind (a worker thread if it has code). */
  static async open(source: EnvSource): Promise<EnvSession> {
    return new EnvSession(await openEnv(source));
  }

  /** Starts an episode. A sandbox stopped after a hang is rebuilt first. */
  async reset(options: SessionResetOptions): Promise<WireStep> {
    const opts = {
      seed: options.seed,
      ...(options.taskId !== undefined ? { taskId: options.taskId } : {}),
      ...(options.taskIndex !== undefined ? { taskIndex: options.taskIndex } : {}),
    };
    // Whatever happened before, no episode runs until this reset succeeds.
    this.status = 'idle';
    let r: ReturnType<EnvHandle['reset']>;
    try {
      r = this.env.reset(opts);
    } catch (e) {
      if (!(e instanceof EnvStateError) || e.code !== 'SANDBOX_REBUILD') throw e;
      await this.env.recover();
      r = this.env.reset(opts);
    }
    this.episodeId = options.episodeId ?? randomUUID();
    this.seed = r.info.seed;
    this.taskId = r.info.taskId;
    this.taskIndex = r.info.taskIndex;
    this.steps = 0;
    this.returnMicros = 0;
    this.status = 'running';
    // An episode can end at reset (an initial state that is final).
    let done = false;
    try {
      done = this.env.snapshot().status === 'ended';
    } catch {
      // the snapshot is a convenience here; reset succeeded
    }
    if (done) this.status = 'ended';
    return {
      observation: {
        text: r.observation.text,
        json: r.observation.json,
        step: 0,
        state: r.info.state,
        terminated: done,
        truncated: false,
        reward_micros: null,
        invalid_action: null,
        episode_id: this.episodeId,
        seed: r.info.seed,
        task_id: r.info.taskId,
        instructions: r.info.instructions,
        metadata: {},
        ...(this.spaces ? { space: this.spaces.observationValue(r.observation) } : {}),
      },
      reward: null,
      done,
    };
  }

  /**
   * One step. Out of order (no episode, or the episode ended) it throws a `ServeError` telling the
   * client to reset; the environment is not touched.
   */
  step(action: Action): StepResult {
    if (this.status === 'idle')
      throw new ServeError('STEP_BEFORE_RESET', 'no episode is running', {
        hint: 'send reset first',
      });
    if (this.status === 'ended')
      throw new ServeError('STEP_AFTER_END', `the episode ${this.episodeId} has ended`, {
        hint: 'send reset to start a new episode',
      });
    let r: StepResult;
    try {
      r = this.env.step(action);
    } catch (e) {
      // A failed step (environment code threw, hung or ran out of memory) ends the episode.
      this.status = 'ended';
      throw e;
    }
    this.steps = r.info.step;
    this.returnMicros += r.info.rewardMicros;
    if (r.terminated || r.truncated) this.status = 'ended';
    return r;
  }

  /**
   * The step result on the wire. `callTool` adds the fields OpenEnv's MCPToolClient reads; with
   * `spaces` (the session's `spaces`), the observation carries its value in the observation space.
   */
  static wire(r: StepResult, callTool: boolean, toolName?: string, spaces?: CompiledSpaces): WireStep {
    const invalid = r.info.invalidAction ?? null;
    const observation: WireObservation = {
      text: r.observation.text,
      json: r.observation.json,
      step: r.info.step,
      state: r.info.state,
      terminated: r.terminated,
      truncated: r.truncated,
      reward_micros: r.info.rewardMicros,
      invalid_action: invalid,
      metadata: {},
    };
    if (spaces) observation.space = spaces.observationValue(r.observation);
    if (callTool) {
      const text = r.observation.text;
      observation.tool_name = toolName ?? '';
      // As in OpenEnv's MCP environments: a result or an error, never both.
      observation.result = invalid
        ? null
        : {
            content: [{ type: 'text', text, annotations: null, meta: null }],
            structured_content: { result: text },
            meta: null,
            data: text,
            is_error: false,
          };
      observation.error = invalid
        ? {
            error_type: invalid.code === 'UNKNOWN_TOOL' ? 'tool_not_found' : 'invalid_args',
            message: invalid.message,
          }
        : null;
    }
    return { observation, reward: r.reward, done: r.terminated || r.truncated };
  }

  /**
   * A `call_tool` refused before any step (unknown tool, bad arguments, with `--invalid-actions
   * reject`): what an OpenEnv MCP environment answers, an observation with `result: null` and the
   * error. `done` says whether the episode had already ended.
   */
  static toolError(toolName: string, error: ToolError, done: boolean): WireToolError {
    return { observation: { tool_name: toolName, result: null, error, metadata: {} }, reward: null, done };
  }

  /** The state: the environment snapshot's step count and status, and the episode's identity. */
  state(): WireState {
    let steps = this.steps;
    let status = this.status;
    if (status !== 'idle') {
      try {
        const snap = this.env.snapshot();
        steps = snap.step;
        status = snap.status;
      } catch {
        // the episode failed on an error: what the session counted is all there is
      }
    }
    return {
      episode_id: this.episodeId,
      step_count: steps,
      status,
      env: `${this.env.spec.name}@${this.env.spec.version}`,
      seed: this.seed,
      task_id: this.taskId,
      task_index: this.taskIndex,
      return_micros: this.returnMicros,
    };
  }

  get isEnded(): boolean {
    return this.status === 'ended';
  }

  get isIdle(): boolean {
    return this.status === 'idle';
  }

  /** Ends the session: stops the environment (or hands it back to its pool). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.release(this.env);
    } catch {
      // closing is best effort: the session is gone either way
    }
  }
}
