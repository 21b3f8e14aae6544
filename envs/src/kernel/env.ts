import { Ajv, type ValidateFunction } from 'ajv';
import { type AnyActorRef, type AnyStateMachine, assign, createActor, type StateValue, setup } from 'xstate';
import { EnvCodeError, EnvStateError, PalestraError, SandboxError } from '../errors.ts';
import { SANDBOX_EPOCH_MS, Sandbox } from '../sandbox/sandbox.ts';
import { bindRng, type CompiledExpr, compileExpr } from '../spec/expr.ts';
import type { GymSpec, ToolSpec } from '../spec/schema.ts';
import { type CompiledTemplate, compileTemplate } from '../spec/template.ts';
import { Prng } from './prng.ts';
import { type EnvSource, usesModules } from './source.ts';
import { findTaskIndex, resolveTask, taskCount } from './tasks.ts';
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

export interface MakeEnvOptions {
  /** Share one sandbox between environments of the same source (a vector env does). */
  sandbox?: Sandbox;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const MICRO = 1_000_000;
const EMPTY = Object.freeze({});

/** Float reward → signed integer micro-units, range-checked. */
export function toMicros(value: number, what: string): number {
  const m = Math.round(value * MICRO);
  if (!Number.isSafeInteger(m))
    throw new EnvCodeError('BAD_REWARD', `${what} gave ${value}, not a finite reward within ±9e9`);
  return m;
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
  state?: string;
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
 */
export class Env {
  readonly spec: GymSpec;
  private readonly files: Record<string, string>;
  private sandbox: Sandbox | undefined;
  private readonly ownsSandbox: boolean;
  private readonly machine: AnyStateMachine;
  private readonly tools = new Map<string, { tool: ToolSpec; validate: ValidateFunction }>();
  private readonly rewards: CompiledReward[];
  private readonly template: CompiledTemplate | undefined;
  private readonly jsonObs: [string, CompiledExpr][] | undefined;
  private readonly idPaths = new Map<string, string>();
  private readonly contextSchema: ValidateFunction | undefined;

  private actor: AnyActorRef | undefined;
  private rng = new Prng(0);
  private task: Task | undefined;
  private seed = 0;
  private stepCount = 0;
  private status: 'idle' | 'running' | 'ended' | 'failed' | 'closed' = 'idle';
  private deadline = Number.POSITIVE_INFINITY;
  private initialContext: Ctx = {};
  private failure: unknown;
  private codeError: PalestraError | undefined;
  private actorError: unknown;

  /** @internal use `makeEnv` */
  constructor(source: EnvSource, sandbox: Sandbox | undefined, ownsSandbox: boolean) {
    this.spec = source.spec;
    this.files = source.files;
    this.sandbox = sandbox;
    this.ownsSandbox = ownsSandbox;
    const spec = this.spec;

    for (const tool of spec.tools)
      this.tools.set(tool.name, { tool, validate: ajv.compile(tool.parameters) });
    this.contextSchema = spec.context.schema ? ajv.compile(spec.context.schema) : undefined;

    const guards: Record<string, (args: { context: Ctx; event: Ev }, params: unknown) => boolean> = {};
    for (const [name, g] of Object.entries(spec.guards)) {
      if (g.expr !== undefined) {
        const f = this.compile(g.expr, `$.guards.${name}.expr`);
        guards[name] = ({ context, event }, params) => f(this.activation(context, event, params)) === true;
      } else {
        const ref = g.module!;
        guards[name] = ({ context, event }, params) =>
          this.callModule(ref, {
            context,
            event,
            params: params ?? null,
            task: this.task,
            step: this.stepCount,
          }) === true;
      }
    }
    const actions: Record<string, ReturnType<typeof assign>> = {};
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
        actions[name] = assign(({ context, event }: { context: Ctx; event: Ev }, params: unknown) => {
          const patch = this.callModule(ref, {
            context,
            event,
            params: params ?? null,
            task: this.task,
            step: this.stepCount,
          });
          if (patch === null) return {};
          if (typeof patch !== 'object' || Array.isArray(patch))
            throw new EnvCodeError(
              'BAD_ACTION_RESULT',
              `${ref} must return an object of context changes (or nothing), got ${JSON.stringify(patch)}`,
            );
          return patch as Ctx;
        }) as never;
      }
    }
    this.machine = setup({ guards: guards as never, actions: actions as never }).createMachine({
      ...(spec.machine as object),
      context: () => this.initialContext,
    } as never) as unknown as AnyStateMachine;
    this.collectIds(spec.machine, '');

    this.rewards = spec.reward.rules.map((r, i) => {
      const path = `$.reward.rules[${i}]`;
      if (r.onEnter !== undefined)
        return {
          name: r.name ?? `enter ${r.onEnter}`,
          kind: 'onEnter',
          value: r.value!,
          state: this.idPaths.get(r.onEnter) ?? r.onEnter,
        };
      if (r.perStep !== undefined) return { name: r.name ?? 'per step', kind: 'perStep', value: r.perStep };
      if (r.when !== undefined)
        return {
          name: r.name ?? r.when,
          kind: 'when',
          value: r.value!,
          expr: this.compile(r.when, `${path}.when`),
        };
      if (r.expr !== undefined)
        return { name: r.name ?? r.expr, kind: 'expr', value: 0, expr: this.compile(r.expr, `${path}.expr`) };
      return { name: r.name ?? r.module!, kind: 'module', value: 0, module: r.module! };
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

  private collectIds(node: GymSpec['machine'], path: string): void {
    if (node.id) this.idPaths.set(node.id, path);
    for (const [k, child] of Object.entries(node.states ?? {}))
      this.collectIds(child, path ? `${path}.${k}` : k);
  }

  private compile(source: string, where: string): CompiledExpr {
    const f = compileExpr(source);
    return (act) => {
      try {
        return f(act);
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

  private callModule(ref: string, arg: unknown): unknown {
    if (!this.sandbox) throw this.remember(new EnvCodeError('NO_SANDBOX', `${ref} needs the sandbox`));
    try {
      return this.sandbox.call(
        ref,
        arg,
        this.rng.state,
        SANDBOX_EPOCH_MS + this.stepCount * 1000,
        this.deadline,
      );
    } catch (e) {
      throw this.remember(e);
    }
  }

  /** XState rewraps errors thrown in guards as plain Errors; keep ours to report its code and hint. */
  private remember(e: unknown): unknown {
    if (e instanceof PalestraError) this.codeError ??= e;
    return e;
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
    if (this.sandbox?.poisoned && this.ownsSandbox) {
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
    this.codeError = undefined;
    this.seed = seed;
    this.rng = new Prng(seed);
    this.stepCount = 0;
    this.deadline = performance.now() + this.spec.limits.stepDeadlineMs;
    bindRng(this.rng);
    // One draw always picks the task, even when the caller names it, so the rest of the stream
    // (what the episode sees) depends on the seed alone and a replay by task index matches.
    const drawn = Math.floor(this.rng.next() * this.taskCount);
    const index =
      options.taskIndex ??
      (options.taskId !== undefined
        ? findTaskIndex(this.spec, options.taskId, this.sandbox, this.spec.limits.stepDeadlineMs)
        : drawn);
    this.task = resolveTask(this.spec, index, this.sandbox, this.spec.limits.stepDeadlineMs);
    this.initialContext = structuredClone({ ...this.spec.context.initial, ...(this.task.context ?? {}) });
    const invalidContext = this.contextProblems(this.initialContext);
    if (invalidContext)
      throw new EnvCodeError(
        'BAD_CONTEXT',
        `the initial context of task ${index} (${this.task.id}) does not match $.context.schema: ${invalidContext}`,
        {
          hint: "fix $.context.initial or the task's context, or the schema",
        },
      );
    this.startActor(undefined);
    this.status = this.actor!.getSnapshot().status === 'done' ? 'ended' : 'running';
    const snap = this.actor!.getSnapshot();
    return {
      observation: this.observe(snap.context, null, undefined),
      info: {
        seed,
        taskIndex: index,
        taskId: this.task.id,
        instructions: this.task.instructions,
        state: statePaths(snap.value),
      },
    };
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
    if (!action || typeof action !== 'object')
      return { code: 'MALFORMED_ACTION', message: 'an action is { tool, arguments } or { text }' };
    if ('text' in action && !('tool' in action)) {
      if (typeof action.text !== 'string')
        return { code: 'MALFORMED_ACTION', message: '"text" must be a string' };
      return { type: this.spec.replyEvent, text: action.text };
    }
    const name = (action as { tool?: unknown }).tool;
    if (typeof name !== 'string')
      return { code: 'MALFORMED_ACTION', message: 'an action is { tool, arguments } or { text }' };
    const entry = this.tools.get(name);
    if (!entry)
      return {
        code: 'UNKNOWN_TOOL',
        message: `there is no tool "${name}"; the tools are: ${[...this.tools.keys()].join(', ')}`,
      };
    const args = (action as { arguments?: unknown }).arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return { code: 'INVALID_ARGUMENTS', message: `the arguments of ${name} must be a JSON object` };
    if (!entry.validate(args)) {
      const why = (entry.validate.errors ?? [])
        .map(
          (e) =>
            `${e.instancePath || '(arguments)'} ${e.message}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`,
        )
        .join('; ');
      return { code: 'INVALID_ARGUMENTS', message: `invalid arguments for ${name}: ${why}` };
    }
    const event = Object.assign({}, args) as Ev;
    event.type = entry.tool.event;
    return event;
  }

  /** One action → one step. */
  step(action: Action): StepResult {
    if (this.status !== 'running') throw this.orderError();
    this.stepCount += 1;
    this.codeError = undefined;
    this.deadline = performance.now() + this.spec.limits.stepDeadlineMs;
    bindRng(this.rng);
    const actor = this.actor!;
    const before = actor.getSnapshot();
    const event = this.toEvent(action);
    const invalid = 'code' in event ? (event as InvalidAction) : undefined;
    let snap = before;
    if (!invalid) {
      this.actorError = undefined;
      actor.send(event as Ev);
      this.throwIfFailed(this.actorError);
      snap = actor.getSnapshot();
    }
    const terminated = snap.status === 'done';
    const truncated = !terminated && this.stepCount >= this.spec.limits.maxSteps;
    let components: RewardComponent[];
    if (invalid) {
      // An invalid step still costs time (perStep rules) and pays the configured penalty.
      components = this.rewards
        .filter((r) => r.kind === 'perStep' && r.value !== 0)
        .map((r) => ({ name: r.name, micros: toMicros(r.value, r.name) }));
      if (this.spec.limits.invalidActionPenalty !== 0)
        components.push({
          name: 'invalid action',
          micros: toMicros(this.spec.limits.invalidActionPenalty, 'invalidActionPenalty'),
        });
    } else
      components = this.computeRewards(
        before.value,
        snap.value,
        snap.context,
        event as Ev,
        terminated,
        truncated,
      );
    let micros = 0;
    for (const c of components) micros += c.micros;
    if (terminated || truncated) this.status = 'ended';
    const observation = this.observe(snap.context, invalid ? null : (event as Ev), invalid);
    return {
      observation,
      reward: micros / MICRO,
      terminated,
      truncated,
      info: {
        step: this.stepCount,
        state: statePaths(snap.value),
        event: invalid ? null : (event as Ev),
        rewardMicros: micros,
        rewardComponents: components,
        ...(invalid ? { invalidAction: invalid } : {}),
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
    context: Ctx,
    event: Ev,
    terminated: boolean,
    truncated: boolean,
  ): RewardComponent[] {
    const out: RewardComponent[] = [];
    let before: Set<string> | undefined;
    let after: Set<string> | undefined;
    let act: Ctx | undefined;
    for (const r of this.rewards) {
      let value = 0;
      switch (r.kind) {
        case 'perStep':
          value = r.value;
          break;
        case 'onEnter':
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
          const v = r.expr!(act);
          if (typeof v !== 'number')
            throw new EnvCodeError(
              'BAD_REWARD',
              `reward \`${r.name}\` must be a number, got ${JSON.stringify(v)}`,
            );
          value = v;
          break;
        }
        case 'module': {
          const v = this.callModule(r.module!, {
            context,
            event,
            task: this.task,
            step: this.stepCount,
            state: statePaths(afterValue),
            terminated,
            truncated,
          });
          if (typeof v !== 'number')
            throw new EnvCodeError(
              'BAD_REWARD',
              `${r.module} must return a number, got ${JSON.stringify(v)}`,
            );
          value = v;
          break;
        }
      }
      if (value !== 0) out.push({ name: r.name, micros: toMicros(value, r.name) });
    }
    return out;
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
    if (this.spec.observation.module !== undefined) {
      const out = this.callModule(this.spec.observation.module, {
        context,
        event,
        task: this.task,
        step: this.stepCount,
        state,
      });
      if (!out || typeof out !== 'object' || typeof (out as { text?: unknown }).text !== 'string')
        throw new EnvCodeError(
          'BAD_OBSERVATION',
          `${this.spec.observation.module} must return { text, json? }`,
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
    if (text.length > this.spec.limits.maxObservationBytes)
      throw new EnvCodeError(
        'OBSERVATION_TOO_LARGE',
        `the observation is ${text.length} characters; the limit is ${this.spec.limits.maxObservationBytes}`,
      );
    if (invalid) {
      text = `Error: ${invalid.message}\n\n${text}`;
      json = { ...json, error: invalid };
    }
    return { text, json };
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
    this.deadline = performance.now() + this.spec.limits.stepDeadlineMs;
    bindRng(this.rng);
    this.task = resolveTask(this.spec, snapshot.taskIndex, this.sandbox, this.spec.limits.stepDeadlineMs);
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
    bindRng(this.rng);
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

  /** Rebuilds a sandbox that failed (deadline, memory). `reset` asks for it when needed. */
  async recover(): Promise<void> {
    if (!usesModules(this.spec) || (this.sandbox && !this.sandbox.poisoned)) return;
    if (!this.ownsSandbox)
      throw new EnvStateError('SHARED_SANDBOX', 'this environment shares its sandbox: recover the owner');
    this.sandbox?.dispose();
    this.sandbox = await newSandbox(this.spec, this.files);
  }

  close(): void {
    this.actor?.stop();
    if (this.ownsSandbox) this.sandbox?.dispose();
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
  let sandbox = options.sandbox;
  let owns = false;
  if (!sandbox && usesModules(source.spec)) {
    sandbox = await newSandbox(source.spec, source.files);
    owns = true;
  }
  try {
    return new Env(source, sandbox, owns);
  } catch (e) {
    if (owns) sandbox?.dispose();
    if (e instanceof SandboxError) throw e;
    if (e instanceof PalestraError) throw e;
    throw new EnvCodeError('MACHINE_INVALID', `the statechart is invalid: ${(e as Error).message}`, {
      cause: e,
      hint: 'check transition targets and state names in $.machine',
    });
  }
}
