import type { GymSpec } from '@palestra/envs/core';

/** A state of a GymSpec's machine (the root included). */
export type StateNodeSpec = GymSpec['machine'];

/** One state of a machine, as the canvas names it. */
export interface IndexedState {
  spec: StateNodeSpec;
  /** The key under its parent's `states`. */
  key: string;
  /** Dotted path from the root (`""` for the root), as the kernel and the checker name states. */
  path: string;
  /** JSON path segments from the spec's root (`['machine', 'states', 'open']`). */
  jsonPath: PropertyKey[];
  parent: IndexedState | undefined;
  children: Map<string, IndexedState>;
}

/**
 * The states of a machine in document order (a parent before its children, siblings in key
 * order), with XState v5's target resolution. `@palestra/envs` checks every target at parse time
 * (`targetIssues`), but gives back XState ids, not the dotted paths the canvas uses as node ids,
 * so the same rules are followed here: `"b"` is a sibling, `".c"` a child, `"#id.c"` a state by id
 * (an explicit `id`, else `<machine id>.<dotted path>`), and `\.` escapes a dot in a key.
 */
export class StateIndex {
  readonly root: IndexedState;
  /** Every state but the root, parents before children. */
  readonly states: IndexedState[] = [];
  private readonly byId = new Map<string, IndexedState>();

  constructor(machine: StateNodeSpec) {
    const machineId = machine.id ?? '(machine)';
    this.root = {
      spec: machine,
      key: '',
      path: '',
      jsonPath: ['machine'],
      parent: undefined,
      children: new Map(),
    };
    this.byId.set(machineId, this.root);
    const visit = (node: IndexedState) => {
      for (const [key, spec] of Object.entries(node.spec.states ?? {})) {
        const path = node.path ? `${node.path}.${key}` : key;
        const child: IndexedState = {
          spec,
          key,
          path,
          jsonPath: [...node.jsonPath, 'states', key],
          parent: node,
          children: new Map(),
        };
        node.children.set(key, child);
        this.states.push(child);
        this.byId.set(spec.id ?? `${machineId}.${path}`, child);
        visit(child);
      }
    };
    visit(this.root);
  }

  /** The state a transition on `source` names by `target`, or undefined when there is none. */
  resolve(source: IndexedState, target: string): IndexedState | undefined {
    if (target.startsWith('#')) return this.byStateId(target.slice(1));
    if (target.startsWith('.')) return this.walk(source, splitPath(target.slice(1)));
    if (!source.parent) return undefined;
    return this.walk(source.parent, splitPath(target));
  }

  private byStateId(id: string): IndexedState | undefined {
    const exact = this.byId.get(id);
    if (exact) return exact;
    // `#id.child.grandchild`: the longest id prefix, then a walk down.
    const parts = splitPath(id);
    for (let n = parts.length - 1; n > 0; n--) {
      const head = this.byId.get(parts.slice(0, n).join('.'));
      if (head) return this.walk(head, parts.slice(n));
    }
    return undefined;
  }

  private walk(from: IndexedState, keys: string[]): IndexedState | undefined {
    let node: IndexedState | undefined = from;
    for (const key of keys) {
      if (key.length === 0) continue;
      node = node.children.get(key);
      if (!node) return undefined;
    }
    return node;
  }
}

/** XState's `toStatePath`: split on `.`, with `\` escaping the next character. */
function splitPath(text: string): string[] {
  const out: string[] = [];
  let segment = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      segment += text[i + 1] ?? '';
      i++;
    } else if (c === '.') {
      out.push(segment);
      segment = '';
    } else segment += c;
  }
  out.push(segment);
  return out;
}
