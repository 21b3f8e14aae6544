/**
 * A machine's state tree as plain nodes: built from a GymSpec (in `fromSpec`) or from the
 * document's flat state map (in `toSpec`), with XState v5's target resolution on it, so a
 * transition's target can be stored as a state id and written back as the string it was.
 */
export interface TreeNode {
  /** The document's state id; `null` for the root. */
  id: string | null;
  key: string;
  parent: TreeNode | undefined;
  children: Map<string, TreeNode>;
  /** The state's explicit XState `id`, if it has one. */
  xid: string | undefined;
}

/** Splits a target at unescaped dots (`\.` is a dot inside a key). */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && path[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const escapeKey = (key: string) => key.replaceAll('.', '\\.');

/** The tree's nodes by XState id (explicit `id`, else `<machine id>.<dotted path>`). */
export class Tree {
  readonly byXid = new Map<string, TreeNode>();
  readonly machineId: string;

  constructor(
    readonly root: TreeNode,
    rootXid: string | undefined,
  ) {
    this.machineId = rootXid ?? '(machine)';
    const visit = (node: TreeNode, dotted: string) => {
      this.byXid.set(node.xid ?? (dotted ? `${this.machineId}.${dotted}` : this.machineId), node);
      for (const [key, child] of node.children) visit(child, dotted ? `${dotted}.${key}` : key);
    };
    visit(root, '');
  }

  /** XState's resolution of `target` written on `source`; undefined when it names no state. */
  resolve(source: TreeNode, target: string): TreeNode | undefined {
    if (target.startsWith('#')) {
      const body = target.slice(1);
      const whole = this.byXid.get(body);
      if (whole) return whole;
      const parts = splitPath(body);
      for (let n = parts.length - 1; n >= 1; n--) {
        const anchor = this.byXid.get(parts.slice(0, n).join('.'));
        if (anchor) return walk(anchor, parts.slice(n));
      }
      return undefined;
    }
    if (target.startsWith('.')) return walk(source, splitPath(target.slice(1)));
    if (!source.parent) return undefined;
    return walk(source.parent, splitPath(target));
  }

  /**
   * The state a history state's default `target` names, or undefined. Not a transition's rule:
   * XState v5 (`resolveHistoryDefaultTransition`, then `getStateNodeByPath`) and the kernel's check
   * (`targetIssues` in the envs' spec/targets.ts) read it from the history state's *parent*: `"b"`
   * is a sibling, `"b.c"` walks down from it, a `"#id"` key jumps to that state, and an empty key
   * ends the walk, so `".c"` names the parent itself.
   *
   * @example
   * tree.resolveHistoryDefault(hist, 'ajar') // the sibling "ajar", as XState enters it
   */
  resolveHistoryDefault(history: TreeNode, target: string): TreeNode | undefined {
    let node = history.parent;
    for (const key of splitPath(target)) {
      if (key.length === 0 || node === undefined) break;
      node = key.startsWith('#') ? this.byXid.get(key.slice(1)) : node.children.get(key);
    }
    return node;
  }

  /**
   * A target string for `target` written on `source`: sibling-relative when it can be, else `#`.
   * Also a history state's default (its `source`), which both forms name from the same parent.
   */
  render(source: TreeNode, target: TreeNode): string {
    if (source.parent) {
      const rel = relativePath(source.parent, target);
      if (rel) return rel.map(escapeKey).join('.');
    }
    if (target.xid !== undefined) return `#${target.xid}`;
    const path: string[] = [];
    for (let n: TreeNode | undefined = target; n?.parent; n = n.parent) path.unshift(n.key);
    return `#${[this.machineId, ...path].join('.')}`;
  }
}

function walk(from: TreeNode, keys: string[]): TreeNode | undefined {
  let node: TreeNode | undefined = from;
  for (const key of keys) node = node?.children.get(key);
  return node;
}

/** The keys from `ancestor` down to `node` (a strict descendant), else undefined. */
function relativePath(ancestor: TreeNode, node: TreeNode): string[] | undefined {
  const keys: string[] = [];
  for (let n: TreeNode | undefined = node; n; n = n.parent) {
    if (n === ancestor) return keys.length > 0 ? keys : undefined;
    keys.unshift(n.key);
  }
  return undefined;
}
