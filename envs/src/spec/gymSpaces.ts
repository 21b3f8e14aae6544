import { EnvCodeError } from '../errors.ts';
import type { Observation } from '../kernel/types.ts';
import {
  DICT_TOOL_KEY,
  type ResolvedActionSpace,
  type ResolvedTool,
  resolveActionSpace,
  type SpaceToolCall,
} from './actionSpace.ts';
import { type CompiledExpr, compileExpr } from './expr.ts';
import {
  boxBound,
  type Nested,
  normalizeObservationValue,
  observationValueProblem,
} from './observationSpace.ts';
import type { GymSpec } from './schema.ts';
import type { ObservationSpaceSpec } from './spaces.ts';

/**
 * A Gymnasium space as `palestra serve` describes it (`GET /spaces`): the arguments of
 * the Gymnasium class of that name. Box bounds are nested lists in the Box's shape, like its values.
 */
export type WireSpace =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'MultiDiscrete'; nvec: number[] }
  | { type: 'Box'; low: Nested; high: Nested; shape: number[]; dtype: 'float32' | 'int64' }
  | { type: 'Dict'; spaces: Record<string, WireSpace> }
  | { type: 'Text'; max_length: number; charset: 'printable' };

/** The action and observation spaces of an environment. */
export interface WireSpaces {
  action: WireSpace;
  observation: WireSpace;
}

/** Why an action-space value maps to no tool call: where in the value, and what is wrong. */
export interface SpaceValueProblem {
  loc: (string | number)[];
  message: string;
}

/** The declared spaces of a spec, compiled: a value → its tool call, an observation → its value. */
export interface CompiledSpaces extends WireSpaces {
  /** The tool call an action-space value stands for, or what is wrong with the value. */
  toAction(value: unknown): { ok: true; action: SpaceToolCall } | { ok: false; problem: SpaceValueProblem };
  /**
   * The observation-space value of an observation. Throws `EnvCodeError` (`EXPR_FAILED`, or
   * `BAD_OBSERVATION` when the value is not in the space): the environment's fault.
   */
  observationValue(observation: Observation): unknown;
}

const compiled = new WeakMap<GymSpec, CompiledSpaces | null>();

/**
 * The spec's declared spaces, compiled once per spec object; undefined without a `spaces` section.
 * The spec must have passed `parseSpec` (which checks every mapping and expression).
 *
 * @example
 * const spaces = compileSpaces(loadCatalog('frozen-lake').spec)!;
 * spaces.toAction(2); // { ok: true, action: { tool: 'move', arguments: { direction: 'right' } } }
 */
export function compileSpaces(spec: GymSpec): CompiledSpaces | undefined {
  let c = compiled.get(spec);
  if (c === undefined) {
    c = spec.spaces ? build(spec) : null;
    compiled.set(spec, c);
  }
  return c ?? undefined;
}

/**
 * The spaces `palestra serve` reports: the declared ones, or Text spaces for an LLM agent (its
 * action is the JSON of a tool call or a reply that fits `limits.maxObservationBytes`; printable
 * characters, since Gymnasium's default alphanumeric charset rejects real observations).
 */
export function wireSpaces(spec: GymSpec): WireSpaces {
  const declared = compileSpaces(spec);
  if (declared) return { action: declared.action, observation: declared.observation };
  const cap = spec.limits.maxObservationBytes;
  const observation: WireSpace = { type: 'Text', max_length: cap, charset: 'printable' };
  // A text action goes as `{"text": …}`, whose JSON must fit the same cap (`checkActionSize`):
  // escaping or a surrogate pair makes a character at most two units, plus the wrapper's.
  const action: WireSpace = { ...observation, max_length: Math.floor((cap - 16) / 2) };
  return { action, observation };
}

function build(spec: GymSpec): CompiledSpaces {
  const spaces = spec.spaces!;
  const { resolved, issues } = resolveActionSpace(spaces.action, spec.tools);
  if (!resolved) throw new Error(`spaces.action does not resolve: ${issues[0]?.message}`);
  const obs = spaces.observation;
  const expr: CompiledExpr = compileExpr(obs.expr);
  const path = '$.spaces.observation.expr';
  return {
    action: actionWire(resolved),
    observation: observationWire(obs),
    toAction: (value) => toAction(resolved, value),
    observationValue(observation) {
      const act: Record<string, unknown> = Object.assign({}, observation.json);
      act.json = observation.json;
      act.text = observation.text;
      let value: unknown;
      try {
        value = normalizeObservationValue(obs, expr(act));
      } catch (e) {
        throw new EnvCodeError(
          'EXPR_FAILED',
          `${path}: \`${obs.expr}\` failed: ${(e as Error).message.split('\n')[0]}`,
          {
            details: { path },
            hint: "the variables are the keys of the observation's json, and json and text; guard lookups with has() or [?key]",
          },
        );
      }
      const why = observationValueProblem(obs, value);
      if (why)
        throw new EnvCodeError(
          'BAD_OBSERVATION',
          `${path}: \`${obs.expr}\` gave a value outside the ${obs.type} space: ${why}`,
          {
            details: { path },
            hint: 'make the expression stay within the declared space (or widen the space)',
          },
        );
      return value;
    },
  };
}

function discrete(n: number, start = 0): WireSpace {
  return { type: 'Discrete', n, start };
}

function toolDict(t: ResolvedTool): WireSpace {
  return {
    type: 'Dict',
    spaces: Object.fromEntries(t.dimensions.map((d) => [d.name, discrete(d.values.length)])),
  };
}

function actionWire(space: ResolvedActionSpace): WireSpace {
  if (space.type === 'Discrete') return discrete(space.calls.length);
  if (space.type === 'MultiDiscrete')
    return { type: 'MultiDiscrete', nvec: space.tool.dimensions.map((d) => d.values.length) };
  const spaces: Record<string, WireSpace> = { [DICT_TOOL_KEY]: discrete(space.tools.length) };
  for (const t of space.tools) if (t.dimensions.length > 0) spaces[t.tool] = toolDict(t);
  return { type: 'Dict', spaces };
}

function observationWire(space: ObservationSpaceSpec): WireSpace {
  if (space.type === 'Discrete') return discrete(space.n, space.start ?? 0);
  if (space.type === 'MultiDiscrete') return { type: 'MultiDiscrete', nvec: [...space.nvec] };
  return {
    type: 'Box',
    low: boxBound(space.low, space.shape) as Nested,
    high: boxBound(space.high, space.shape) as Nested,
    shape: [...space.shape],
    dtype: space.dtype ?? 'float32',
  };
}

function index(value: unknown, n: number, loc: (string | number)[]): number | SpaceValueProblem {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= n)
    return {
      loc,
      message: `expected an integer in [0, ${n}), got ${JSON.stringify(value) ?? String(value)}`,
    };
  return value;
}

function callOf(
  t: ResolvedTool,
  picks: unknown,
  loc: (string | number)[],
): SpaceToolCall | SpaceValueProblem {
  const args: Record<string, unknown> = { ...t.fixed };
  for (const [i, d] of t.dimensions.entries()) {
    const at = Array.isArray(picks) ? i : d.name;
    const j = index((picks as Record<string | number, unknown>)[at], d.values.length, [...loc, at]);
    if (typeof j !== 'number') return j;
    args[d.name] = d.values[j];
  }
  return { tool: t.tool, arguments: args };
}

function toAction(
  space: ResolvedActionSpace,
  value: unknown,
): { ok: true; action: SpaceToolCall } | { ok: false; problem: SpaceValueProblem } {
  const done = (r: SpaceToolCall | SpaceValueProblem) =>
    'tool' in r ? { ok: true as const, action: r } : { ok: false as const, problem: r };
  if (space.type === 'Discrete') {
    const i = index(value, space.calls.length, []);
    if (typeof i !== 'number') return done(i);
    const c = space.calls[i]!;
    return done({ tool: c.tool, arguments: structuredClone(c.arguments) });
  }
  if (space.type === 'MultiDiscrete') {
    const n = space.tool.dimensions.length;
    if (!Array.isArray(value) || value.length !== n)
      return done({
        loc: [],
        message: `expected a list of ${n} integers (MultiDiscrete), got ${short(value)}`,
      });
    return done(callOf(space.tool, value, []));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return done({
      loc: [],
      message: `expected an object {"${DICT_TOOL_KEY}": i, <tool>: {<argument>: j}} (Dict), got ${short(value)}`,
    });
  const v = value as Record<string, unknown>;
  const i = index(v[DICT_TOOL_KEY], space.tools.length, [DICT_TOOL_KEY]);
  if (typeof i !== 'number') return done(i);
  const t = space.tools[i]!;
  if (t.dimensions.length === 0) return done({ tool: t.tool, arguments: { ...t.fixed } });
  const picks = v[t.tool];
  if (!picks || typeof picks !== 'object' || Array.isArray(picks))
    return done({
      loc: [t.tool],
      message: `expected an object of ${t.dimensions.map((d) => d.name).join(', ')}`,
    });
  return done(callOf(t, picks, [t.tool]));
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
