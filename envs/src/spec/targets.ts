import type { SpecIssue } from '../errors.ts';
import { jsonPath } from './jsonPath.ts';
import type { StateNodeSpec } from './schema.ts';

/**
 * Every state a statechart names must exist: transition targets (in `on` and `always`, a string or
 * a list), `initial`, and the default `target` of a history state. XState resolves them lazily and,
 * when one is missing, throws text with no JSON path when the machine is first built; here each is
 * resolved the way XState v5 (5.33) does, at parse time, and a miss is reported at its own path
 * with the states it could have meant.
 *
 * XState's rules, followed exactly (see `resolveTarget`, `getStateNodeByPath`,
 * `getStateNodeById` in xstate/src/stateUtils.ts and StateMachine.ts):
 * - `"b"` is a sibling of the source (a child of its parent); `"b.c"` walks down from there;
 * - `".c"` is a child of the source itself (at the root, `".c"` is a child of the root);
 * - `"#id"` is the state with that `id` (by default `<machine id>.<dotted path>`, the machine id
 *   being `(machine)` unless the root has an `id`), `"#id.c.d"` walks down from it;
 * - at the root, a target without `.` or `#` is an error; `\.` escapes a dot in a key.
 */

interface Node {
  spec: StateNodeSpec;
  key: string;
  /** Dotted path from the root (`""` for the root): what rewards and observations call a state. */
  dotted: string;
  /** JSON path segments, from `$`. */
  path: PropertyKey[];
  parent: Node | undefined;
  children: Map<string, Node>;
  /** XState's id: the explicit `id`, else `<machine id>.<dotted path>`. */
  id: string;
}

type Resolved = { node: Node } | { error: string };

/** The machine's state nodes, indexed as XState indexes them. */
class StateIndex {
  readonly byId = new Map<string, Node>();
  readonly all: Node[] = [];
  readonly duplicateIds: { node: Node; first: Node }[] = [];
  readonly root: Node;

  constructor(machine: StateNodeSpec) {
    const machineId = machine.id ?? '(machine)';
    // An explicit stack, not recursion, although the depth is already limited (SPEC_LIMITS).
    const rootNode = this.make(machine, '', '', ['machine'], undefined, machineId);
    this.root = rootNode;
    const stack: Node[] = [rootNode];
    while (stack.length > 0) {
      const node = stack.pop()!;
      this.all.push(node);
      const prior = this.byId.get(node.id);
      if (prior && node.spec.id !== undefined) this.duplicateIds.push({ node, first: prior });
      // XState sets ids in construction order and a later node overwrites: the same here.
      this.byId.set(node.id, node);
      const entries = Object.entries(node.spec.states ?? {});
      for (const [key, child] of entries) {
        const dotted = node.dotted ? `${node.dotted}.${key}` : key;
        const id = child.id ?? `${machineId}.${dotted}`;
        node.children.set(key, this.make(child, key, dotted, [...node.path, 'states', key], node, id));
      }
      stack.push(...[...node.children.values()].reverse());
    }
  }

  private make(
    spec: StateNodeSpec,
    key: string,
    dotted: string,
    path: PropertyKey[],
    parent: Node | undefined,
    id: string,
  ): Node {
    return { spec, key, dotted, path, parent, children: new Map(), id };
  }

  /** XState's `resolveTarget` for one string target of a transition defined on `source`. */
  resolveTarget(source: Node, target: string): Resolved {
    if (target.startsWith('#')) return this.resolveId(target);
    const internal = target.startsWith('.');
    if (internal && !source.parent) return this.resolvePath(source, target.slice(1));
    if (!source.parent)
      return {
        error: `a transition on the root can only target its children (".${target}") or a state by id ("#id")`,
      };
    return this.resolvePath(source.parent, internal ? source.key + target : target);
  }

  /** XState's `getStateNodeById`: `#id` then a dotted walk down from that node. */
  resolveId(stateId: string): Resolved {
    const [head = '', ...rest] = toStatePath(stateId);
    const id = head.startsWith('#') ? head.slice(1) : head;
    const node = this.byId.get(id);
    if (!node) return { error: `no state has the id "${id}"` };
    return this.walk(node, rest);
  }

  /** XState's `getStateNodeByPath`. */
  resolvePath(from: Node, statePath: string): Resolved {
    if (statePath.startsWith('#')) {
      const byId = this.resolveId(statePath);
      if ('node' in byId) return byId;
    }
    return this.walk(from, toStatePath(statePath));
  }

  private walk(from: Node, keys: string[]): Resolved {
    let node = from;
    for (const key of keys) {
      if (key.length === 0) break;
      if (key.startsWith('#')) {
        const r = this.resolveId(key);
        if ('error' in r) return r;
        node = r.node;
        continue;
      }
      const child = node.children.get(key);
      if (!child)
        return {
          error:
            node.children.size === 0
              ? `${name(node)} has no child states, so it has no "${key}"`
              : `${name(node)} has no child state "${key}" (its children: ${[...node.children.keys()].join(', ')})`,
        };
      node = child;
    }
    return { node };
  }
}

function name(node: Node): string {
  return node.dotted ? `"${node.dotted}"` : 'the root';
}

/** XState's `toStatePath`: split on `.`, with `\` escaping the next character. */
function toStatePath(stateId: string): string[] {
  const out: string[] = [];
  let segment = '';
  for (let i = 0; i < stateId.length; i++) {
    const c = stateId[i]!;
    if (c === '\\') {
      segment += stateId[i + 1] ?? '';
      i++;
    } else if (c === '.') {
      out.push(segment);
      segment = '';
    } else segment += c;
  }
  out.push(segment);
  return out;
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Issues for every state reference in the machine that XState would fail to resolve, and for
 * what XState accepts but misreads (two states with one `id`; an event key `""`).
 *
 * @example
 * targetIssues({ initial: 'a', states: { a: { on: { GO: 'nowhere' } } } })
 * // [{ path: '$.machine.states.a.on.GO', message: 'no state "nowhere" …', hint: '…' }]
 */
export function targetIssues(machine: StateNodeSpec): SpecIssue[] {
  const index = new StateIndex(machine);
  const issues: SpecIssue[] = [];
  const known = index.all
    .map((n) => n.dotted)
    .filter(Boolean)
    .join(', ');
  const ids = index.all.filter((n) => n.spec.id !== undefined).map((n) => `#${n.spec.id}`);
  const howTo = (source: Node) => {
    const siblings = source.parent ? [...source.parent.children.keys()].filter((k) => k !== source.key) : [];
    const forms = [
      source.parent
        ? `a sibling by key (${siblings.length ? siblings.map((s) => `"${s}"`).join(', ') : 'it has none'})`
        : undefined,
      source.children.size ? `a child with a leading dot (".${[...source.children.keys()][0]}")` : undefined,
      `any state by id ("#${index.root.id}.<dotted path>"${ids.length ? `, or ${ids.join(', ')}` : ''})`,
    ].filter(Boolean);
    return `target ${forms.join(', ')}; the states are: ${known || 'none'}`;
  };

  for (const dup of index.duplicateIds)
    issues.push({
      path: jsonPath([...dup.node.path, 'id']),
      message: `the id "${dup.node.spec.id}" is already used by ${jsonPath(dup.first.path)}`,
      hint: 'give every state its own id: "#id" targets need to know which state you mean',
    });

  for (const node of index.all) {
    const { spec } = node;
    if (spec.initial !== undefined && !node.children.has(spec.initial))
      issues.push({
        path: jsonPath([...node.path, 'initial']),
        message: `"${spec.initial}" is not a child state of ${node.parent ? `"${node.dotted}"` : 'the root'}`,
        hint:
          node.children.size > 0
            ? `"initial" names one of the state's own children by key: ${[...node.children.keys()].map((k) => `"${k}"`).join(', ')}`
            : 'add the child states under "states", or remove "initial"',
      });
    if (spec.type === 'history' && spec.target !== undefined && node.parent) {
      const r = index.resolvePath(node.parent, spec.target);
      if ('error' in r)
        issues.push({
          path: jsonPath([...node.path, 'target']),
          message: `the history default "${spec.target}" is not a state: ${r.error}`,
          hint: `name a sibling of the history state (${[...node.parent.children.keys()]
            .filter((k) => k !== node.key)
            .map((k) => `"${k}"`)
            .join(', ')}), a dotted path below one, or "#id"`,
        });
    }
    const check = (t: unknown, tpath: PropertyKey[]) => {
      const target =
        typeof t === 'string'
          ? t
          : t && typeof t === 'object'
            ? (t as { target?: unknown }).target
            : undefined;
      const base = typeof t === 'string' ? tpath : [...tpath, 'target'];
      // XState reads a target "" as "no target" (TARGETLESS_KEY).
      if (target === '') return;
      const list = asList(target as string | string[] | undefined);
      list.forEach((one, i) => {
        if (typeof one !== 'string') return;
        const r = index.resolveTarget(node, one);
        if ('error' in r)
          issues.push({
            path: jsonPath(Array.isArray(target) ? [...base, i] : base),
            message: `no state "${one}" to go to from ${node.parent ? `"${node.dotted}"` : 'the root'}: ${r.error}`,
            hint: howTo(node),
          });
      });
    };
    for (const [event, ts] of Object.entries(spec.on ?? {})) {
      if (event === '')
        issues.push({
          path: jsonPath([...node.path, 'on', '']),
          message: 'an empty event name is not an event',
          hint: 'use "always" for a transition taken without an event',
        });
      for (const [i, t] of asList(ts as unknown).entries())
        check(t, [...node.path, 'on', event, ...(Array.isArray(ts) ? [i] : [])]);
    }
    for (const [i, t] of asList(spec.always as unknown).entries())
      check(t, [...node.path, 'always', ...(Array.isArray(spec.always) ? [i] : [])]);
  }
  return issues;
}

/**
 * Resolves one transition target from the state at dotted path `source` (`""` for the root) as
 * XState does, returning the XState id of the state it names, or why there is none (`""` means
 * no target at all, as in XState). For tests and
 * tools; `targetIssues` checks a whole machine.
 *
 * @example
 * resolveStateTarget({ initial: 'a', states: { a: {}, b: {} } }, 'a', 'b') // { id: '(machine).b' }
 */
export function resolveStateTarget(
  machine: StateNodeSpec,
  source: string,
  target: string,
): { id: string } | { targetless: true } | { error: string } {
  if (target === '') return { targetless: true };
  const index = new StateIndex(machine);
  const node = index.all.find((n) => n.dotted === source);
  if (!node) return { error: `no source state "${source}"` };
  const r = index.resolveTarget(node, target);
  return 'node' in r ? { id: r.node.id } : r;
}
