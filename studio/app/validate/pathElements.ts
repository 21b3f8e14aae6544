import type { ProblemTransition } from '../problems/problemsOf.ts';

/** The statechart elements a spec problem is about, as `Problem` names them. */
export interface PathElements {
  /** Dotted state ids; `""` is the machine's root. */
  states: string[];
  transitions: ProblemTransition[];
}

/**
 * The steps of a JSON path as the core writes them (`jsonPath`): `$.tools[0].event` →
 * `['tools', 0, 'event']`, `$.machine.states["a b"]` → `['machine', 'states', 'a b']`. Undefined
 * for text that is not such a path (a problem then stays unplaced rather than misplaced).
 *
 * @example
 * pathSteps('$.machine.states.a.on.GO[0]') // ['machine', 'states', 'a', 'on', 'GO', 0]
 */
export function pathSteps(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  // One step at a time, anchored at `i`: `.name`, `[3]`, or `["any \"key\""]` (a JSON string).
  const step = /\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let i = 1;
  while (i < path.length) {
    step.lastIndex = i;
    const m = step.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push(JSON.parse(m[3]!) as string);
    i = step.lastIndex;
  }
  return steps;
}

/**
 * Where on the statechart a problem at `path` is: the state whose subtree the path enters
 * (`$.machine.states.a.states.b.initial` → `a.b`) and, for a path into a transition, the
 * transition by source and event (`….on.GO[0]` → `{ source: 'a.b', event: 'GO' }`; `….always` →
 * event `always`, as the canvas names eventless ones). The target is left out: every edge of that
 * source and event is marked, which is what an index into the list can be drawn as.
 *
 * Outside the machine, a guard or an action (`$.guards.paid.expr`) is placed on the transitions
 * that use it and the states whose entry or exit runs it, when `spec` is given (the raw spec the
 * path is about). Anything else is about the environment as a whole: no elements.
 *
 * @example
 * elementsOfPath('$.machine.states.a.states.b.on.GO[0]')
 * // { states: ['a.b'], transitions: [{ source: 'a.b', event: 'GO' }] }
 */
export function elementsOfPath(path: string, spec?: unknown): PathElements {
  const steps = pathSteps(path);
  if (!steps || steps.length === 0) return { states: [], transitions: [] };
  const [head, name] = steps;
  if (head === 'machine') return machineElements(steps);
  if ((head === 'guards' || head === 'actions') && typeof name === 'string' && spec !== undefined)
    return usesOf(spec, head === 'guards' ? 'guard' : 'action', name);
  return { states: [], transitions: [] };
}

function machineElements(steps: (string | number)[]): PathElements {
  const keys: string[] = [];
  let i = 1;
  while (steps[i] === 'states' && typeof steps[i + 1] === 'string') {
    keys.push(steps[i + 1] as string);
    i += 2;
  }
  const state = keys.join('.');
  const transitions: ProblemTransition[] = [];
  if (steps[i] === 'on' && typeof steps[i + 1] === 'string')
    transitions.push({ source: state, event: steps[i + 1] as string });
  else if (steps[i] === 'always') transitions.push({ source: state, event: 'always' });
  return { states: [state], transitions };
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const listOf = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
/** A guard or action reference's name: `name` or `{ type: name, params }`. */
const refName = (ref: unknown) =>
  typeof ref === 'string' ? ref : isObject(ref) && typeof ref.type === 'string' ? ref.type : undefined;

/**
 * The transitions whose guard (or actions) name `name`, and the states whose entry or exit runs
 * the action. The spec did not parse, so every step is checked for its shape on the way.
 */
function usesOf(spec: unknown, kind: 'guard' | 'action', name: string): PathElements {
  const out: PathElements = { states: [], transitions: [] };
  const uses = (t: unknown) =>
    isObject(t) &&
    (kind === 'guard' ? refName(t.guard) === name : listOf(t.actions).some((a) => refName(a) === name));
  const visit = (node: unknown, id: string) => {
    if (!isObject(node)) return;
    if (kind === 'action' && [...listOf(node.entry), ...listOf(node.exit)].some((a) => refName(a) === name))
      out.states.push(id);
    if (isObject(node.on))
      for (const [event, ts] of Object.entries(node.on))
        if (listOf(ts).some(uses)) out.transitions.push({ source: id, event });
    if (listOf(node.always).some(uses)) out.transitions.push({ source: id, event: 'always' });
    if (isObject(node.states))
      for (const [key, child] of Object.entries(node.states)) visit(child, id ? `${id}.${key}` : key);
  };
  if (isObject(spec)) visit(spec.machine, '');
  return out;
}
