import type { GymSpec } from '@palestra/envs/core';

type StateNodeSpec = GymSpec['machine'];

import { ImportFormatError } from './errors.ts';

/** An XState config read as a GymSpec machine, with what had to change on the way. */
export interface ConvertedMachine {
  machine: StateNodeSpec;
  /** The config's literal `context`, the spec's initial context. */
  context: Record<string, unknown>;
  /** What was dropped or renamed, in words, each with the state it concerns. */
  warnings: string[];
}

/** Keys a GymSpec state node keeps as XState writes them. */
const KEPT = new Set(['id', 'type', 'history', 'initial', 'target', 'tags', 'description', 'meta', 'output']);
/** The machine's own keys that configure XState itself, not the statechart: dropped without a word. */
const MACHINE_OPTIONS = new Set([
  'version',
  'predictableActionArguments',
  'preserveActionOrder',
  'types',
  'tsTypes',
  'schema',
]);
/** Why a GymSpec has no place for a key, as the warning says it. */
const DROPPED: Record<string, string> = {
  after:
    'delayed transitions ("after") need a clock, which a GymSpec has not: count steps in the context and use a guard',
  invoke: '"invoke" starts actors that run outside a step: put the work in an action',
  onError: '"onError" belongs to "invoke", which a GymSpec has not',
};
const STATE_TYPES = new Set(['atomic', 'compound', 'parallel', 'final', 'history']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An XState (v5, and v4's spellings) machine config as a GymSpec machine. A GymSpec machine *is* an
 * XState config without clocks, so states, `initial`, `type` (parallel, final, history), `on`,
 * `always`, targets, `entry` and `exit` pass as written, and guards and actions stay the names the
 * config gives. What a GymSpec cannot hold is dropped with a warning rather than refused: `after`
 * and `invoke` (they need a clock or actors outside the step), so that a machine using one delay
 * still arrives whole, and its author sees where to redo it. v4's `cond` becomes `guard`, and
 * `onDone` becomes what XState makes of it, a transition on `xstate.done.state.<id>`.
 *
 * @example
 * machineFromXState({ id: 'light', initial: 'green', states: { green: { on: { NEXT: 'red' } }, red: {} } })
 * // { machine: { id: 'light', initial: 'green', states: { … } }, context: {}, warnings: [] }
 */
export function machineFromXState(config: Record<string, unknown>): ConvertedMachine {
  const warnings: string[] = [];
  let context: Record<string, unknown> = {};
  if ('context' in config) {
    const c = config.context;
    if (c && typeof c === 'object' && !Array.isArray(c)) context = c as Record<string, unknown>;
    else
      warnings.push(
        'the machine\'s "context" is not an object: the imported environment starts with an empty context',
      );
  }
  const rootId = typeof config.id === 'string' ? config.id : '(machine)';
  const machine = convertNode(config, [], rootId, warnings, true);
  return { machine, context, warnings };
}

function convertNode(
  node: Record<string, unknown>,
  path: string[],
  rootId: string,
  warnings: string[],
  root = false,
): StateNodeSpec {
  const where = path.length === 0 ? 'the machine' : `state "${path.join('.')}"`;
  const out: Record<string, unknown> = {};
  const warn = (message: string) => warnings.push(`${where}: ${message}`);
  /** `onDone` as the `on` entry XState makes of it, added once `on` itself is read. */
  let done: [string, unknown] | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (root && (key === 'context' || MACHINE_OPTIONS.has(key))) continue;
    if (KEPT.has(key)) {
      if (key === 'type' && !STATE_TYPES.has(String(value))) {
        warn(`"type": ${JSON.stringify(value)} is not a state type; left out`);
        continue;
      }
      out[key] = value;
    } else if (key === 'states') {
      if (!isObject(value)) throw notAnObject([...path, 'states']);
      const states: Record<string, StateNodeSpec> = {};
      for (const [child, spec] of Object.entries(value)) {
        if (!isObject(spec)) throw notAnObject([...path, 'states', child]);
        Object.defineProperty(states, child, {
          value: convertNode(spec, [...path, child], rootId, warnings),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      out.states = states;
    } else if (key === 'on') {
      if (Array.isArray(value)) {
        // v4's array form: [{ event, target, … }].
        const on = new Map<string, unknown[]>();
        for (const t of value)
          if (isObject(t) && typeof t.event === 'string') {
            const { event, ...rest } = t;
            on.set(event, [...(on.get(event) ?? []), transition(rest, `${where}, on "${event}"`, warnings)]);
          }
        out.on = Object.fromEntries(on);
      } else if (isObject(value)) out.on = transitionsMap(value, where, warnings);
      else throw notAnObject([...path, 'on']);
    } else if (key === 'always') out.always = transitions(value, `${where}, always`, warnings);
    else if (key === 'entry' || key === 'exit') out[key] = actionList(value, `${where}, ${key}`, warnings);
    else if (key === 'onDone') {
      // XState's own desugaring (StateNode.ts): onDone is a transition on this state's done event.
      const id =
        typeof node.id === 'string' ? node.id : path.length === 0 ? rootId : `${rootId}.${path.join('.')}`;
      done = [`xstate.done.state.${id}`, transitions(value, `${where}, onDone`, warnings)];
      warn(`"onDone" became a transition on the event "xstate.done.state.${id}" (what XState makes of it)`);
    } else if (key in DROPPED) warn(`"${key}" left out: ${DROPPED[key]}`);
    else warn(`"${key}" left out: a GymSpec state has no such key`);
  }
  if (done) out.on = { ...(out.on as Record<string, unknown> | undefined), [done[0]]: done[1] };
  if (out.on && Object.keys(out.on as object).length === 0) delete out.on;
  return out as StateNodeSpec;
}

function transitionsMap(
  on: Record<string, unknown>,
  where: string,
  warnings: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [event, value] of Object.entries(on)) {
    if (value === null) {
      warnings.push(`${where}: the forbidden transition on "${event}" (null) left out`);
      continue;
    }
    Object.defineProperty(out, event, {
      value: transitions(value, `${where}, on "${event}"`, warnings),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function transitions(value: unknown, where: string, warnings: string[]): unknown {
  if (Array.isArray(value)) return value.map((t) => transition(t, where, warnings));
  return transition(value, where, warnings);
}

const TRANSITION_KEYS = new Set(['target', 'reenter', 'description', 'meta']);

function transition(value: unknown, where: string, warnings: string[]): unknown {
  if (typeof value === 'string') return value;
  if (!isObject(value)) {
    warnings.push(
      `${where}: a transition that is neither a target nor an object became a transition to nowhere`,
    );
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (TRANSITION_KEYS.has(key)) out[key] = v;
    else if (key === 'guard' || key === 'cond') {
      const g = reference(v, `${where}, guard`, warnings);
      if (g !== undefined) out.guard = g;
    } else if (key === 'actions') out.actions = actionList(v, `${where}, actions`, warnings);
    else if (key === 'internal') {
      // v4: `internal: false` re-enters the source, v5's `reenter: true`.
      if (v === false) out.reenter = true;
    } else warnings.push(`${where}: "${key}" left out: a GymSpec transition has no such key`);
  }
  return out;
}

function actionList(value: unknown, where: string, warnings: string[]): unknown {
  if (Array.isArray(value))
    return value.map((a) => reference(a, where, warnings)).filter((a) => a !== undefined);
  return reference(value, where, warnings) ?? [];
}

/**
 * A guard or action reference: a name, or `{ type, params }`. Names must be identifiers in a
 * GymSpec (they are CEL-side names); others become one, with a warning.
 */
function reference(value: unknown, where: string, warnings: string[]): unknown {
  if (typeof value === 'string') return identifier(value, where, warnings);
  if (isObject(value) && typeof value.type === 'string') {
    const type = identifier(value.type, where, warnings);
    const extra = Object.keys(value).filter((k) => k !== 'type' && k !== 'params');
    if (extra.length > 0)
      warnings.push(`${where}: ${extra.map((k) => `"${k}"`).join(', ')} of "${value.type}" left out`);
    return isObject(value.params) ? { type, params: value.params } : type;
  }
  warnings.push(`${where}: a reference that is not a name left out`);
  return undefined;
}

/** A name as an identifier (`is valid` → `is_valid`). */
export function identifier(name: string, where: string, warnings: string[]): string {
  if (IDENT.test(name)) return name;
  let id = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[A-Za-z_]/.test(id)) id = `_${id}`;
  if (id === '_') id = '_unnamed';
  warnings.push(`${where}: "${name}" renamed "${id}" (guard and action names are identifiers)`);
  return id;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function notAnObject(path: string[]): ImportFormatError {
  return new ImportFormatError(
    'STUDIO_IMPORT_UNSUPPORTED',
    `the config's ${path.join('.')} is not an object`,
    undefined,
    'write "states" as { name: { … } } and "on" as { EVENT: target or { target, guard, actions } }',
    { details: { path: path.join('.') } },
  );
}
