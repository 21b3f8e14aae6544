import { Ajv, type ValidateFunction } from 'ajv';
import { type AnyActorRef, type AnyStateMachine, assign, createActor, type StateValue, setup } from 'xstate';
import { EnvCodeError, EnvStateError, PalestraError, SandboxError, SpecError } from '../errors.ts';
import { SANDBOX_EPOCH_MS, Sandbox } from '../sandbox/sandbox.ts';
import { type CompiledExpr, compileExpr } from '../spec/expr.ts';
import type { GymSpec } from '../spec/schema.ts';
import { type CompiledTemplate, compileTemplate } from '../spec/template.ts';
import { ActionReader } from './actionReader.ts';
import { checkActionSize } from './actionSize.ts';
import { checkReturn, type ReturnBounds, returnBounds } from './bounds.ts';
import { ENTERED_ACTION, markEntries, statePathsOf } from './entered.ts';
import { fromMicros, toMicros } from './micros.ts';
import { Prng } from './prng.ts';
import { type EnvSource, usesModules } from './source.ts';
import { TaskCache, taskCount } from './tasks.ts';
import type {
  Action,
  EnvSnapshot,
  InvalidAction,
  Observation,
  ResetOptions,
  ResetResult,
  RewardComponent,
  StepResult,
  Task,
} from './types.ts';

type Ctx = Record<string, unknown>;
type Ev = { type: string } & Record<string, unknown>;

/**
 * Options of `makeEnv`. (There was `sandbox`, to share one between environments; an Env now always
 * owns its sandbox, since module state in a shared one let one environment's episodes depend on
 * what another's ran.)
 */
export interface MakeEnvOptions {
  /**
   * Report `info.entered` on every step: the states entered during it, transient ones included
   * (`palestra check` reads it). It costs an inline action per state entry, so it is off unless
   * asked for, or needed by a `transient` reward rule.
   */
  trackEntries?: boolean;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const EMPTY = Object.freeze({});

/** A value for a message: short, deterministic, never throws (BigInt, undefined, cycles). */
function shortJson(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** `{ a: { b: 'c' } }` → `['a', 'a.b', 'a.b.c']`: every active state as a dotted path. */
export function statePaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p);
    if (v !== undefined) out.push(...statePaths(v as StateValue, p));
  }
  return out;
}

interface CompiledReward {
  name: string;
  kind: 'onEnter' | 'perStep' | 'when' | 'expr' | 'module';
  value: number;
  /** `$.reward.rules[i]`: named in every error the rule causes. */
  path: string;
  state?: string;
  /** onEnter: pay on any entry during the step (microsteps included), not only before/after. */
  transient?: boolean;
  expr?: CompiledExpr;
  module?: string;
}

/**
 * A Palestra environment: a GymSpec's statechart with Gymnasium's API. Deterministic: the same
 * seed and actions give the same episode, bit for bit. Create it with `makeEnv`.
 *
 * Invalid actions (an unknown tool, arguments that fail their JSON schema, a malformed action)
 * never crash: the step returns an error observation, the spec's `limits.invalidActionPenalty`
 * as reward, the machine does not move, and the episode goes on (the step still counts).
 * A text reply becomes the event `{ type: spec.replyEvent, text }`.
 *
 * Environment code runs in the env's own sandbox, rewound at every reset to the realm its modules
 * loaded into (`Sandbox.rewind`): whatever the code keeps in module scope lasts one episode, so an
 * episode is the same after any number of earlier ones as in a fresh process.
 */
export class Env {
  readonly spec: GymSpec;
  private readonly files: Record<string, string>;
  /** Its own: rewound at every episode start, so no episode sees what an earlier one left in module state. */
  private sandbox: Sandbox | undefined;
  private readonly tasks: TaskCache;
  private readonly machine: AnyStateMachine;
  private readonly actions: ActionReader;
  private readonly rewards: CompiledReward[];
  private readonly template: CompiledTemplate | undefined;
  private readonly jsonObs: [string, CompiledExpr][] | undefined;
  private readonly idPaths: Map<string, string>;
  private readonly contextSchema: ValidateFunction | undefined;
  private readonly bounds: ReturnBounds | undefined;
  /** Active states that end the episode as truncated (`$.truncateOn`, resolved to paths). */
  private readonly truncateStates: Set<string> | undefined;

  private actor: AnyActorRef | undefined;
  private rng = new Prng(0);
  private task: Task | undefined;
  private seed = 0;
  private stepCount = 0;
  /**
   * The running return in micro-units, checked against `reward.bounds` after every step;
   * undefined after restoring a snapshot that did not keep it (then the bounds cannot be checked).
   */
  private returnMicros: number | undefined = 0;
  /** States entered during the current step, in order (the entry markers append; see entered.ts). */
  private entered: string[] = [];
  private recordingEntries = false;
  /** Whether states carry entry markers (see `MakeEnvOptions.trackEntries`). */
  private readonly trackEntries: boolean;
  private status: 'idle' | 'running' | 'ended' | 'failed' | 'closed' = 'idle';
  private deadline = Number.POSITIVE_INFINITY;
  private initialContext: Ctx = {};
  private failure: unknown;
  private codeError: PalestraError | undefined;
  private actorError: unknown;

  /** @internal use `makeEnv` */
  constructor(source: EnvSource, sandbox: Sandbox | undefined, options: MakeEnvOptions = {}) {
    this.spec = source.spec;
    this.trackEntries =
      options.trackEntries === true || source.spec.reward.rules.some((r) => r.transient === true);
    this.files = source.files;
    this.sandbox = sandbox;
    this.tasks = new TaskCache(source.spec, () => this.sandbox);
    const spec = this.spec;

    this.actions = new ActionReader(spec);
    this.contextSchema = spec.context.schema ? ajv.compile(spec.context.schema) : undefined;

    const guards: Record<string, (args: { context: Ctx; event: Ev }, params: unknown) => boolean> = {};
    for (const [name, g] of Object.entries(spec.guards)) {
      if (g.expr !== undefined) {
        const f = this.compile(g.expr, `$.guards.${name}.expr`);
        guards[name] = ({ context, event }, params) => f(this.activation(context, event, params)) === true;
      } else {
        const ref = g.module!;
        guards[name] = ({ context, event }, params) =>
          this.callModule(ref, this.codeInput(context, event, params), `$.guards.${name}.module`) === true;
      }
    }
    const actions: Record<string, unknown> = {};
    actions[ENTERED_ACTION] = (_: unknown, params: { path: string }) => {
      if (this.recordingEntries) this.entered.push(params.path);
    };
    for (const [name, a] of Object.entries(spec.actions)) {
      if (a.assign !== undefined) {
        const entries = Object.entries(a.assign).map(
          ([k, src]) => [k, this.compile(src, `$.actions.${name}.assign.${k}`)] as const,
        );
        actions[name] = assign(({ context, event }: { context: Ctx; event: Ev }, params: unknown) => {
          const act = this.activation(context, event, params);
          const patch: Ctx = {};
          for (const [k, f] of entries) patch[k] = f(act);
          return patch;
        }) as never;
      } else {
        const ref = a.module!;
        const path = `$.actions.${name}.module`;
        actions[name] = assign(({ context, event }: { context: Ctx; event: Ev }, params: unknown) => {
          const patch = this.callModule(ref, this.codeInput(context, event, params), path);
          if (patch === null) return {};
          if (typeof patch !== 'object' || Array.isArray(patch))
            throw this.remember(
              new EnvCodeError(
                'BAD_ACTION_RESULT',
                `${path}: ${ref} must return an object of context changes (or nothing), got ${shortJson(patch)}`,
                {
                  details: { path, step: this.stepCount },
                  hint: 'return an object such as { count: context.count + 1 }, or nothing',
                },
              ),
            );
          return patch as Ctx;
        }) as never;
      }
    }
    this.machine = setup({ guards: guards as never, actions: actions as never }).createMachine({
      ...((this.trackEntries ? markEntries(spec.machine) : spec.machine) as object),
      context: () => this.initialContext,
    } as never) as unknown as AnyStateMachine;
    const { paths: statePathSet, ids } = statePathsOf(spec.machine);
    this.idPaths = ids;
    this.bounds = returnBounds(spec);
    if (spec.truncateOn) {
      const resolved = spec.truncateOn.map((s, i) => {
        const p = ids.get(s) ?? s;
        if (!statePathSet.has(p))
          throw new SpecError([
            {
              path: `$.truncateOn[${i}]`,
              message: `no state "${s}" (use a dotted path such as "parent.child", or a state id; states: ${[...statePathSet].join(', ')})`,
            },
          ]);
        return p;
      });
      this.truncateStates = new Set(resolved);
    }

    this.rewards = spec.reward.rules.map((r, i) => {
      const path = `$.reward.rules[${i}]`;
      if (r.onEnter !== undefined)
        return {
          name: r.name ?? `enter ${r.onEnter}`,
          kind: 'onEnter',
          value: r.value!,
          path,
          state: this.idPaths.get(r.onEnter) ?? r.onEnter,
          ...(r.transient ? { transient: true } : {}),
        };
      if (r.perStep !== undefined)
        return { name: r.name ?? 'per step', kind: 'perStep', value: r.perStep, path };
      if (r.when !== undefined)
        return {
          name: r.name ?? r.when,
          kind: 'when',
          value: r.value!,
          path,
          expr: this.compile(r.when, `${path}.when`),
        };
      if (r.expr !== undefined)
        return {
          name: r.name ?? r.expr,
          kind: 'expr',
          value: 0,
          path,
          expr: this.compile(r.expr, `${path}.expr`),
        };
      return { name: r.name ?? r.module!, kind: 'module', value: 0, path, module: r.module! };
    });
    this.template =
      spec.observation.template === undefined ? undefined : compileTemplate(spec.observation.template);
    this.jsonObs = spec.observation.json
      ? Object.entries(spec.observation.json).map(([k, src]) => [
          k,
          this.compile(src, `$.observation.json.${k}`),
        ])
      : undefined;
  }

  private compile(source: string, where: string): CompiledExpr {
    const f = compileExpr(source);
    // The environment's own generator goes with every evaluation (`rand(n)` draws from it).
    return (act) => {
      try {
        return f(act, this.rng);
      } catch (e) {
        if (e instanceof PalestraError) throw this.remember(e);
        throw this.remember(
          new EnvCodeError(
            'EXPR_FAILED',
            `${where}: \`${source}\` failed: ${(e as Error).message.split('\n')[0]}`,
            {
              details: { path: where, step: this.stepCount },
              hint: 'guard the lookup (CEL: `has(x.y)`, `key in map`, or optional `map[?key].orValue(default)`)',
            },
          ),
        );
      }
    };
  }

  private activation(context: Ctx, event: unknown, params: unknown): Ctx {
    // Object.assign, then plain sets: `{ ...context, k: v }` measured ~10 µs here (V8 takes a slow
    // path when properties follow a spread), this form ~0.1 µs. The names after the copy win.
    const act: Ctx = Object.assign({}, context);
    act.context = context;
    act.event = event;
    act.params = params ?? EMPTY;
    act.task = this.task;
    act.step = this.stepCount;
    return act;
  }

  /** The one JSON argument a guard or action module gets. */
  private codeInput(context: Ctx, event: Ev, params: unknown): Record<string, unknown> {
    return { context, event, params: params ?? null, task: this.task, step: this.stepCount };
  }

  /** Calls sandboxed code; `path` is the spec element that names it, added to its errors. */
  private callModule(ref: string, arg: unknown, path: string): unknown {
    if (!this.sandbox)
      throw this.remember(
        new EnvCodeError('NO_SANDBOX', `${path}: ${ref} needs the sandbox`, { details: { path } }),
      );
    try {
      return this.sandbox.call(
        ref,
        arg,
        this.rng.state,
        SANDBOX_EPOCH_MS + this.stepCount * 1000,
        this.deadline,
      );
    } catch (e) {
      // The sandbox knows the function, not which spec element called it: say where.
      if (e instanceof PalestraError && e.details.path === undefined) {
        e.details.path = path;
        e.details.step ??= this.stepCount;
      }
      throw this.remember(e);
    }
  }

  /** XState rewraps errors thrown in guards as plain Errors; keep ours to report its code and hint. */
  private remember(e: unknown): unknown {
    if (e instanceof PalestraError) this.codeError ??= e;
    return e;
  }

  /** Every exported function of the environment's modules, as `file.js#name` (for `palestra check`). */
  get moduleExports(): readonly string[] {
    return this.sandbox?.exportedRefs ?? [];
  }

  /** Number of tasks in the spec. */
  get taskCount(): number {
    return taskCount(this.spec);
  }

  /** Starts an episode. Same seed (and task) → same episode. */
  reset(options: ResetOptions): ResetResult {
    if (this.status === 'closed') throw new EnvStateError('ENV_CLOSED', 'the environment was closed');
    const { seed } = options;
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new EnvStateError('BAD_SEED', `reset needs a non-negative integer seed, got ${seed}`, {
        hint: 'reset({ seed: 0 })',
      });
    this.actor?.stop();
    this.actor = undefined;
    this.status = 'idle';
    this.rewindSandbox();
    this.codeError = undefined;
    this.seed = seed;
    this.rng = new Prng(seed);
    this.stepCount = 0;
    this.returnMicros = 0;
    this.deadline = performance.now() + this.spec.limits.stepDeadlineMs;
    // One draw always picks the task, even when the caller names it, so the rest of the stream
    // (what the episode sees) depends on the seed alone and a replay by task index matches.
    const drawn = Math.floor(this.rng.next() * this.taskCount);
    const index =
      options.taskIndex ??
      (options.taskId !== undefined
        ? this.tasks.findIndex(options.taskId, this.spec.limits.stepDeadlineMs)
        : drawn);
    this.task = this.tasks.get(index, this.spec.limits.stepDeadlineMs);
    // Task generation ran in the sandbox (or did not, if the task was known): either way the
    // episode starts from the sandbox as its modules loaded.
    this.sandbox?.rewind();
    this.initialContext = structuredClone({ ...this.spec.context.initial, ...(this.task.context ?? {}) });
    const invalidContext = this.contextProblems(this.initialContext);
    if (invalidContext)
      throw new EnvCodeError(
        'BAD_CONTEXT',
        `the initial context of task ${index} (${this.task.id}) does not match $.context.schema: ${invalidContext}`,
        {
          details: { path: '$.context.schema', taskIndex: index },
          hint: "fix $.context.initial or the task's context, or the schema",
        },
      );
    this.startActor(undefined);
    const snap = this.actor!.getSnapshot();
    const state = statePaths(snap.value);
    let observation: Observation;
    try {
      observation = this.observe(snap.context, null, undefined);
    } catch (e) {
      this.status = 'failed';
      this.failure = e;
      throw e;
    }
    this.status = snap.status === 'done' || this.truncatesAt(state) ? 'ended' : 'running';
    return {
      observation,
      info: {
        seed,
        taskIndex: index,
        taskId: this.task.id,
        instructions: this.task.instructions,
        state,
      },
    };
  }

  /** Whether a truncating state (`$.truncateOn`) is among the active `state` paths. */
  private truncatesAt(state: readonly string[]): boolean {
    if (!this.truncateStates) return false;
    for (const p of state) if (this.truncateStates.has(p)) return true;
    return false;
  }

  private startActor(snapshot: unknown): void {
    this.actorError = undefined;
    const actor = createActor(
      this.machine,
      snapshot === undefined ? undefined : { snapshot: snapshot as never },
    );
    // One error observer for the actor's life: without it XState rethrows errors asynchronously.
    actor.subscribe({
      error: (e) => {
        this.actorError = e;
      },
    });
    actor.start();
    this.actor = actor;
    this.throwIfFailed(this.actorError);
  }

  private throwIfFailed(error: unknown): void {
    const snap = this.actor!.getSnapshot();
    const raw = error ?? (snap.status === 'error' ? snap.error : undefined);
    if (raw === undefined) return;
    const e = this.codeError ?? raw;
    this.status = 'failed';
    this.failure = e;
    if (e instanceof PalestraError) throw e;
    throw new EnvCodeError('MACHINE_ERROR', `the statechart failed: ${(e as Error).message}`, { cause: e });
  }

  /** Translates an action into the machine event, or says why it is invalid. */
  toEvent(action: Action): Ev | InvalidAction {
    return this.actions.toEvent(action);
  }

  /**
   * One action → one step. A step that throws (environment code failed, the return left
   * `reward.bounds`, the action or the observation was too large) ends the episode: the env is
   * `failed` until the next reset, and the error's code says whose fault it was (`fault.ts`).
   */
  step(action: Action): StepResult {
    if (this.status !== 'running') throw this.orderError();
    try {
      return this.advance(action);
    } catch (e) {
      this.status = 'failed';
      this.failure = e;
      throw e;
    }
  }

  private advance(action: Action): StepResult {
    this.stepCount += 1;
    checkActionSize(this.spec, action, this.stepCount);
    this.codeError = undefined;
    this.deadline = performance.now() + this.spec.limits.stepDeadlineMs;
    const actor = this.actor!;
    const before = actor.getSnapshot();
    const event = this.toEvent(action);
    const invalid = 'code' in event ? (event as InvalidAction) : undefined;
    let snap = before;
    this.entered = [];
    if (!invalid) {
      this.actorError = undefined;
      this.recordingEntries = true;
      try {
        actor.send(event as Ev);
      } finally {
        this.recordingEntries = false;
      }
      this.throwIfFailed(this.actorError);
      snap = actor.getSnapshot();
    }
    // A state entered twice in one step (a loop through `always`) is listed once.
    const entered = this.entered.length < 2 ? this.entered : [...new Set(this.entered)];
    const state = statePaths(snap.value);
    // `$.truncateOn`: the statechart says the episode was cut off, so it is not terminated even
    // if the truncating state is final.
    const cut = this.truncatesAt(state);
    const terminated = snap.status === 'done' && !cut;
    const truncated = cut || (!terminated && this.stepCount >= this.spec.limits.maxSteps);
    let components: RewardComponent[];
    if (invalid) {
      // An invalid step still costs time (perStep rules) and pays the configured penalty.
      components = this.rewards
        .filter((r) => r.kind === 'perStep' && r.value !== 0)
        .map((r) => ({ name: r.name, micros: toMicros(r.value, r.name, r.path) }));
      if (this.spec.limits.invalidActionPenalty !== 0)
        components.push({
          name: 'invalid action',
          micros: toMicros(
            this.spec.limits.invalidActionPenalty,
            'invalidActionPenalty',
            '$.limits.invalidActionPenalty',
          ),
        });
    } else
      components = this.computeRewards(
        before.value,
        snap.value,
        entered,
        snap.context,
        event as Ev,
        terminated,
        truncated,
      );
    let micros = 0;
    for (const c of components) micros += c.micros;
    if (this.returnMicros !== undefined) {
      this.returnMicros += micros;
      checkReturn(this.bounds, this.returnMicros, this.stepCount);
    }
    const observation = this.observe(snap.context, invalid ? null : (event as Ev), invalid);
    if (terminated || truncated) this.status = 'ended';
    return {
      observation,
      reward: fromMicros(micros),
      terminated,
      truncated,
      info: {
        step: this.stepCount,
        state,
        event: invalid ? null : (event as Ev),
        rewardMicros: micros,
        rewardComponents: components,
        ...(invalid ? { invalidAction: invalid } : {}),
        ...(this.trackEntries ? { entered } : {}),
      },
    };
  }

  private orderError(): EnvStateError {
    switch (this.status) {
      case 'idle':
        return new EnvStateError('STEP_BEFORE_RESET', 'step() was called before reset()', {
          hint: 'call reset({ seed }) first',
        });
      case 'ended':
        return new EnvStateError(
          'STEP_AFTER_END',
          'step() was called after the episode ended (terminated or truncated)',
          {
            hint: 'call reset({ seed }) to start a new episode',
          },
        );
      case 'failed':
        return new EnvStateError('STEP_AFTER_FAILURE', 'the episode failed on an error; it cannot go on', {
          hint: 'call reset({ seed }) to start a new episode',
          cause: this.failure,
        });
      default:
        return new EnvStateError('ENV_CLOSED', 'the environment was closed');
    }
  }

  private computeRewards(
    beforeValue: StateValue,
    afterValue: StateValue,
    entered: readonly string[],
    context: Ctx,
    event: Ev,
    terminated: boolean,
    truncated: boolean,
  ): RewardComponent[] {
    const out: RewardComponent[] = [];
    let before: Set<string> | undefined;
    let after: Set<string> | undefined;
    let enteredSet: Set<string> | undefined;
    let act: Ctx | undefined;
    for (const r of this.rewards) {
      let value = 0;
      switch (r.kind) {
        case 'perStep':
          value = r.value;
          break;
        case 'onEnter':
          if (r.transient) {
            enteredSet ??= new Set(entered);
            if (enteredSet.has(r.state!)) value = r.value;
            break;
          }
          before ??= new Set(statePaths(beforeValue));
          after ??= new Set(statePaths(afterValue));
          if (after.has(r.state!) && !before.has(r.state!)) value = r.value;
          break;
        case 'when':
          act ??= this.rewardActivation(context, event, afterValue, terminated, truncated);
          if (r.expr!(act) === true) value = r.value;
          break;
        case 'expr': {
          act ??= this.rewardActivation(context, event, afterValue, terminated, truncated);
          value = this.rewardNumber(r, r.expr!(act));
          break;
        }
        case 'module': {
          const v = this.callModule(
            r.module!,
            {
              context,
              event,
              task: this.task,
              step: this.stepCount,
              state: statePaths(afterValue),
              terminated,
              truncated,
            },
            `${r.path}.module`,
          );
          value = this.rewardNumber(r, v);
          break;
        }
      }
      if (value !== 0) out.push({ name: r.name, micros: toMicros(value, r.name, r.path) });
    }
    return out;
  }

  /** What an expr or module rule gave, as a number; anything else is the rule's error, named by its path. */
  private rewardNumber(r: CompiledReward, v: unknown): number {
    if (typeof v === 'number') return v;
    const what =
      r.kind === 'module' ? `${r.module} must return a number` : 'the expression must give a number';
    throw new EnvCodeError('BAD_REWARD', `${r.path} (${r.name}): ${what}, got ${shortJson(v)}`, {
      details: { path: r.path, step: this.stepCount, got: shortJson(v) },
      hint:
        r.kind === 'module'
          ? `return a number from ${r.module} (0 for no reward)`
          : 'make the expression give a number in every case (CEL: `cond ? 1.0 : 0.0`)',
    });
  }

  /** Reward expressions also see `state` (active paths), `terminated` and `truncated`. */
  private rewardActivation(
    context: Ctx,
    event: Ev,
    value: StateValue,
    terminated: boolean,
    truncated: boolean,
  ): Ctx {
    const act = this.activation(context, event, undefined);
    act.state = statePaths(value);
    act.terminated = terminated;
    act.truncated = truncated;
    return act;
  }

  private observe(context: Ctx, event: Ev | null, invalid: InvalidAction | undefined): Observation {
    const snap = this.actor!.getSnapshot();
    const state = statePaths(snap.value);
    let text: string;
    let json: Record<string, unknown>;
    const limit = this.spec.limits.maxObservationBytes;
    if (this.spec.observation.module !== undefined) {
      let out: unknown;
      try {
        out = this.callModule(
          this.spec.observation.module,
          {
            context,
            event,
            task: this.task,
            step: this.stepCount,
            state,
          },
          '$.observation.module',
        );
      } catch (e) {
        // The sandbox caps what code returns at the observation limit; for the observation
        // that is the observation being too large, which the agent can provoke (echoing its own
        // reply), so it keeps the agent-fault code rather than the sandbox's OUTPUT_TOO_LARGE.
        if (e instanceof SandboxError && e.code === 'OUTPUT_TOO_LARGE')
          throw this.observationTooLarge(
            `${this.spec.observation.module} returned more than ${limit} characters`,
          );
        throw e;
      }
      if (!out || typeof out !== 'object' || typeof (out as { text?: unknown }).text !== 'string')
        throw new EnvCodeError(
          'BAD_OBSERVATION',
          `$.observation.module: ${this.spec.observation.module} must return { text, json? }, got ${shortJson(out)}`,
          {
            details: { path: '$.observation.module', step: this.stepCount },
            hint: 'return { text: "what the agent reads", json: { ... } }',
          },
        );
      text = (out as { text: string }).text;
      json = ((out as { json?: Record<string, unknown> }).json ?? { state, context }) as Record<
        string,
        unknown
      >;
    } else {
      const view = this.activation(context, event, undefined);
      view.state = state.join(' ');
      view.done = snap.status === 'done';
      text = this.template!(view);
      if (this.jsonObs) {
        const act = this.activation(context, event, undefined);
        act.state = state;
        json = {};
        for (const [k, f] of this.jsonObs) json[k] = f(act);
      } else json = { state, context };
    }
    if (text.length > limit)
      throw this.observationTooLarge(`the observation is ${text.length} characters; the limit is ${limit}`);
    // The structured part too: it crosses the isolated worker's channel and goes into records, and
    // a context the agent fills (a log of its replies) would otherwise grow it without bound.
    const jsonSize = JSON.stringify(json).length;
    if (jsonSize > limit)
      throw this.observationTooLarge(
        `the observation's json is ${jsonSize} characters; the limit is ${limit}`,
      );
    if (invalid) {
      text = `Error: ${invalid.message}\n\n${text}`;
      json = { ...json, error: invalid };
    }
    return { text, json };
  }

  private observationTooLarge(why: string): EnvCodeError {
    return new EnvCodeError('OBSERVATION_TOO_LARGE', why, {
      details: {
        path: '$.limits.maxObservationBytes',
        step: this.stepCount,
        limit: this.spec.limits.maxObservationBytes,
      },
      hint: 'an observation that grows with what the agent sends is an agent fault; otherwise render less (or raise limits.maxObservationBytes)',
    });
  }

  /** The full state as JSON: restore it (here or in another process) and the episode goes on exactly. */
  snapshot(): EnvSnapshot {
    if (this.status !== 'running' && this.status !== 'ended') throw this.orderError();
    return {
      v: 1,
      spec: { name: this.spec.name, version: this.spec.version },
      seed: this.seed,
      taskIndex: this.task!.index,
      step: this.stepCount,
      status: this.status,
      ...(this.returnMicros === undefined ? {} : { returnMicros: this.returnMicros }),
      rng: [...this.rng.state] as EnvSnapshot['rng'],
      // Through JSON, so the snapshot is exactly what a file or another process would hold.
      machine: JSON.parse(JSON.stringify(this.actor!.getPersistedSnapshot())),
    };
  }

  /** Resumes from a snapshot taken with `snapshot()`. */
  restore(snapshot: EnvSnapshot): void {
    if (snapshot.v !== 1 || snapshot.spec.name !== this.spec.name)
      throw new EnvStateError(
        'BAD_SNAPSHOT',
        `this snapshot is for ${snapshot.spec?.name}@${snapshot.spec?.version}, not ${this.spec.name}`,
      );
    this.actor?.stop();
    this.seed = snapshot.seed;
    this.rng = new Prng(snapshot.rng);
    this.stepCount = snapshot.step;
    // A snapshot from before the return was kept in it: the rest of the episode cannot be held
    // to the bounds (counting from 0 would fail episodes whose whole return is within them).
    this.returnMicros = snapshot.returnMicros;
    this.deadline = performance.now() + this.spec.limits.stepDeadlineMs;
    this.rewindSandbox();
    this.task = this.tasks.get(snapshot.taskIndex, this.spec.limits.stepDeadlineMs);
    this.sandbox?.rewind();
    this.startActor(structuredClone(snapshot.machine));
    this.status = snapshot.status;
  }

  /** Why a context does not match `$.context.schema` (undefined if it does, or if there is no schema). */
  contextProblems(context: unknown = this.actor?.getSnapshot().context): string | undefined {
    if (!this.contextSchema || this.contextSchema(context)) return undefined;
    return (this.contextSchema.errors ?? [])
      .map((e) => `${e.instancePath || '(context)'} ${e.message}`)
      .join('; ');
  }

  /** The compiled statechart, bound to this env's current task (for analysis: `palestra check`). */
  get machineForAnalysis(): AnyStateMachine {
    // One budget for the whole analysis: code that loops forever still stops.
    this.deadline = performance.now() + 30_000;
    return this.machine;
  }

  /** The task of the current episode. */
  get currentTask(): Task | undefined {
    return this.task;
  }

  /** Current step count of the episode. */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * The sandbox as its modules loaded, for a new episode (or a restored one). A sandbox that
   * cannot be rewound (the host's stack overflowed in it) is dropped, and `reset` says to
   * `recover()`. A restored episode also starts from the loaded modules: module state is not part
   * of a snapshot, so code that keeps state across the steps of an episode sees it start over.
   */
  private rewindSandbox(): void {
    this.sandbox?.rewind();
    if (this.sandbox?.poisoned) {
      this.sandbox.dispose();
      this.sandbox = undefined;
    }
    if (!this.sandbox && usesModules(this.spec))
      throw new EnvStateError(
        'SANDBOX_REBUILD',
        'the sandbox failed in the last episode and must be rebuilt',
        {
          hint: 'call `await env.recover()` before reset()',
        },
      );
  }

  /**
   * Builds a new sandbox if the old one cannot be used again. After an ordinary failure (deadline,
   * memory, a queued job) there is nothing to do: the next `reset` rewinds the sandbox.
   */
  async recover(): Promise<void> {
    if (!usesModules(this.spec) || (this.sandbox && !this.sandbox.poisoned)) return;
    this.sandbox?.rewind();
    if (this.sandbox && !this.sandbox.poisoned) return;
    this.sandbox?.dispose();
    this.sandbox = await newSandbox(this.spec, this.files);
  }

  close(): void {
    this.actor?.stop();
    this.sandbox?.dispose();
    this.status = 'closed';
  }
}

/** A sandbox holding the source's code modules, with the spec's limits. */
export function newSandbox(spec: GymSpec, files: Record<string, string>): Promise<Sandbox> {
  return Sandbox.create({
    files,
    memoryMb: spec.limits.memoryMb,
    maxOutputBytes: spec.limits.maxObservationBytes,
  });
}

/**
 * Builds an environment from a validated source (see `envSource`, `loadCatalog`).
 *
 * @example
 * const env = await makeEnv(await loadCatalog('frozen-lake'));
 * let { observation } = env.reset({ seed: 42 });
 * const r = env.step({ tool: 'move', arguments: { direction: 'down' } });
 */
export async function makeEnv(source: EnvSource, options: MakeEnvOptions = {}): Promise<Env> {
  const sandbox = usesModules(source.spec) ? await newSandbox(source.spec, source.files) : undefined;
  try {
    return new Env(source, sandbox, options);
  } catch (e) {
    sandbox?.dispose();
    if (e instanceof SandboxError) throw e;
    if (e instanceof PalestraError) throw e;
    throw new EnvCodeError('MACHINE_INVALID', `the statechart is invalid: ${(e as Error).message}`, {
      cause: e,
      hint: 'check transition targets and state names in $.machine',
    });
  }
}
