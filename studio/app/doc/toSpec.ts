import type { GymSpecInput } from '@palestra/envs/core';
import * as Y from 'yjs';
import { HEADER_FIELDS, STATE_VALUE_FIELDS, TRANSITION_VALUE_FIELDS } from './fromSpec.ts';
import { renderHistoryTarget } from './historyTarget.ts';
import { type DocParts, docParts, type FieldMap } from './schema.ts';
import { Tree, type TreeNode } from './tree.ts';

/** What `toSpec` had to decide about a document that two people's edits left inconsistent. */
export interface DocProblem {
  code:
    | 'parent-missing'
    | 'parent-cycle'
    | 'duplicate-name'
    | 'initial-missing'
    | 'source-missing'
    | 'target-missing'
    | 'target-unresolved'
    | 'malformed';
  message: string;
  /** The document element ids concerned (states, transitions). */
  ids: string[];
}

/** The spec input a document describes (for `parseSpec` to judge), and what was decided on the way. */
export interface ToSpecResult {
  spec: GymSpecInput;
  problems: DocProblem[];
  /** Document state id → the state's dotted path in `spec` (for placing the checker's findings). */
  paths: Map<string, string>;
}

type Json = Record<string, unknown>;

/**
 * A map's element maps sorted by `(order, id)`: the same list on every peer. Entries that are not
 * maps (written by a faulty or hostile client) are skipped; `toSpec` reports them.
 */
export function ordered(map: Y.Map<FieldMap>): [string, FieldMap][] {
  const order = (m: FieldMap) => {
    const v = m.get('order');
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  return [...map.entries()]
    .filter(([, m]) => m instanceof Y.Map)
    .sort(([a, x], [b, y]) => {
      const d = order(x) - order(y);
      return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
    });
}

/** A transition's `targets` field, or undefined when it is not a list of `{ state?, raw }`. */
function targetsOf(v: unknown): { state?: string | null; raw: string }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const ok = v.every(
    (t) =>
      t !== null &&
      typeof t === 'object' &&
      typeof t.raw === 'string' &&
      (!('state' in t) || t.state === null || typeof t.state === 'string'),
  );
  return ok ? v : undefined;
}

/** A field map's plain JSON, `Y.Text` as strings, `Y.Map` as objects. */
function plain(value: unknown): unknown {
  if (value instanceof Y.Text) return value.toString();
  if (value instanceof Y.Map) {
    const out: Json = {};
    for (const [k, v] of value.entries()) out[k] = plain(v);
    return out;
  }
  return value;
}

function fields(map: Y.Map<unknown>, omit: string[] = []): Json {
  const out: Json = {};
  for (const [k, v] of map.entries()) if (!omit.includes(k)) out[k] = plain(v);
  return out;
}

/**
 * The GymSpec input a document describes. Never throws: where concurrent edits left the document
 * inconsistent, a deterministic rule decides (the same on every peer, see CONFLICTS.md) and a
 * `DocProblem` names the elements; `parseSpec` then judges the spec itself.
 *
 * @example
 * const { spec, problems } = toSpec(doc);
 * const parsed = parseSpec(spec); // throws SpecError with JSON paths when the spec is invalid
 */
export function toSpec(doc: Y.Doc): ToSpecResult {
  const parts = docParts(doc);
  const problems: DocProblem[] = [];
  for (const map of [parts.states, parts.transitions, parts.tools, parts.tasks, parts.rewardRules])
    for (const [id, m] of [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      if (!(m instanceof Y.Map))
        problems.push({ code: 'malformed', message: 'not an element map; left out', ids: [id] });
  const { tree, stateOf, paths, nodes } = buildTree(parts, problems);
  const nodeOf = (id: string | null) => (id === null ? tree.root : nodes.get(id));
  const specOf = new Map<TreeNode, Json>();
  const render = (node: TreeNode, map: Y.Map<unknown>): Json => {
    const out: Json = {};
    const id = map.get('id');
    if (id !== undefined) out.id = id;
    for (const f of STATE_VALUE_FIELDS) if (map.has(f)) out[f] = map.get(f);
    if (map.has('target')) {
      const { target, problem } = renderHistoryTarget(tree, nodeOf, node, map.get('target'));
      if (target === undefined) delete out.target;
      else out.target = target;
      if (problem) problems.push(problem);
    }
    specOf.set(node, out);
    const children = [...node.children.values()];
    const initial = map.get('initial');
    if (typeof initial === 'string') {
      const child = children.find((c) => c.id === initial);
      if (child) out.initial = child.key;
      else if (children.length > 0) {
        out.initial = children[0]!.key;
        problems.push({
          code: 'initial-missing',
          message: `the initial state is gone or moved; the first child "${children[0]!.key}" is initial`,
          ids: node.id === null ? [initial] : [node.id, initial],
        });
      }
    } else if (typeof map.get('initialRaw') === 'string') out.initial = map.get('initialRaw');
    if (children.length > 0) {
      const states: Json = {};
      for (const child of children) states[child.key] = render(child, stateOf.get(child)!);
      out.states = states;
    }
    return out;
  };
  const machine = render(tree.root, parts.machine);
  writeTransitions(parts, tree, specOf, problems);

  const header = fields(parts.header);
  const spec: Json = {};
  for (const f of HEADER_FIELDS) if (header[f] !== undefined) spec[f] = header[f];
  spec.context = {
    ...(header.contextSchema !== undefined ? { schema: header.contextSchema } : {}),
    initial: fields(parts.context),
  };
  spec.tasks =
    header.tasksModule !== undefined
      ? header.tasksModule
      : { list: ordered(parts.tasks).map(([, m]) => fields(m, ['order'])) };
  spec.tools = ordered(parts.tools).map(([, m]) => fields(m, ['order']));
  spec.machine = machine;
  // A guard or action that is not a map is passed on as it is: `parseSpec` reports it at its path.
  spec.guards = Object.fromEntries([...parts.guards.entries()].map(([k, m]) => [k, plain(m)]));
  spec.actions = Object.fromEntries([...parts.actions.entries()].map(([k, m]) => [k, plain(m)]));
  spec.reward = {
    rules: ordered(parts.rewardRules).map(([, m]) => fields(m, ['order'])),
    ...(header.rewardBounds !== undefined ? { bounds: header.rewardBounds } : {}),
  };
  spec.observation = fields(parts.observation);
  spec.limits = fields(parts.limits);
  return { spec: spec as unknown as GymSpecInput, problems, paths };
}

/** The files (code modules) of a document. */
export function filesOf(doc: Y.Doc): Record<string, string> {
  return Object.fromEntries([...docParts(doc).files.entries()].map(([k, t]) => [k, String(t)]));
}

/**
 * The state tree from the flat state map. Rules, in order: a state whose parent is gone is a child
 * of the root; in a parent cycle (two concurrent moves), the state with the smallest id becomes a
 * child of the root; among siblings with one name, the smallest id keeps it and the others get
 * `name_2`, `name_3`, … (the first free suffix). Also the layout migration's tree, so that it
 * resolves what a document names on the tree `toSpec` gives.
 */
export function buildTree(parts: DocParts, problems: DocProblem[]) {
  const entries = ordered(parts.states);
  const parentOf = new Map<string, string | null>();
  for (const [id, m] of entries) {
    const p = m.get('parent');
    if (typeof p === 'string' && !parts.states.has(p)) {
      parentOf.set(id, null);
      problems.push({
        code: 'parent-missing',
        message: 'its parent state was deleted; shown at the top level',
        ids: [id, p],
      });
    } else parentOf.set(id, typeof p === 'string' ? p : null);
  }
  // Cycles: each state's parent chain either reaches the root or enters a cycle.
  const done = new Set<string>();
  for (const id of [...parentOf.keys()].sort()) {
    const chain: string[] = [];
    const onChain = new Set<string>();
    let cur: string | null = id;
    while (cur !== null && !done.has(cur) && !onChain.has(cur)) {
      chain.push(cur);
      onChain.add(cur);
      cur = parentOf.get(cur) ?? null;
    }
    if (cur !== null && onChain.has(cur)) {
      const cycle = chain.slice(chain.indexOf(cur)).sort();
      parentOf.set(cycle[0]!, null);
      problems.push({
        code: 'parent-cycle',
        message: `concurrent moves made a parent cycle; "${cycle[0]}" (the smallest id) moved to the top level`,
        ids: cycle,
      });
    }
    for (const c of chain) done.add(c);
  }
  const root: TreeNode = {
    id: null,
    key: '',
    parent: undefined,
    children: new Map(),
    xid: str(parts.machine.get('id')),
  };
  const nodes = new Map<string, TreeNode>();
  const stateOf = new Map<TreeNode, FieldMap>();
  for (const [id, m] of entries) {
    const node: TreeNode = {
      id,
      key: String(m.get('name') ?? id),
      parent: undefined,
      children: new Map(),
      xid: str(m.get('id')),
    };
    nodes.set(id, node);
    stateOf.set(node, m);
  }
  const childrenOf = new Map<TreeNode, TreeNode[]>();
  for (const [id] of entries) {
    const node = nodes.get(id)!;
    const p = parentOf.get(id);
    node.parent = p === null || p === undefined ? root : nodes.get(p)!;
    childrenOf.set(node.parent, [...(childrenOf.get(node.parent) ?? []), node]);
  }
  for (const [parent, children] of childrenOf) {
    const byName = new Map<string, TreeNode[]>();
    for (const c of children) byName.set(c.key, [...(byName.get(c.key) ?? []), c]);
    const taken = new Set(byName.keys());
    for (const [name, same] of byName) {
      if (same.length < 2) continue;
      const ids = same.map((c) => c.id!).sort();
      let n = 2;
      for (const id of ids.slice(1)) {
        while (taken.has(`${name}_${n}`)) n++;
        nodes.get(id)!.key = `${name}_${n}`;
        taken.add(`${name}_${n}`);
      }
      problems.push({
        code: 'duplicate-name',
        message: `sibling states named "${name}": "${ids[0]}" (the smallest id) keeps the name`,
        ids,
      });
    }
    for (const c of children) parent.children.set(c.key, c);
  }
  const paths = new Map<string, string>();
  const visit = (node: TreeNode, dotted: string) => {
    if (node.id !== null) paths.set(node.id, dotted);
    for (const [k, c] of node.children) visit(c, dotted ? `${dotted}.${k}` : k);
  };
  visit(root, '');
  return { tree: new Tree(root, root.xid), stateOf, paths, nodes };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Transitions back into `on` and `always` of their source states, targets re-rendered. */
function writeTransitions(
  parts: DocParts,
  tree: Tree,
  specOf: Map<TreeNode, Json>,
  problems: DocProblem[],
): void {
  const nodeOf = new Map<string | null, TreeNode>();
  for (const node of specOf.keys()) nodeOf.set(node.id, node);
  const groups = new Map<TreeNode, Map<string, { single: boolean; list: unknown[] }>>();
  for (const [id, m] of ordered(parts.transitions)) {
    const sourceId = (m.get('source') ?? null) as string | null;
    const source = nodeOf.get(sourceId);
    if (!source) {
      problems.push({
        code: 'source-missing',
        message: 'its source state was deleted; left out',
        ids: [id, String(sourceId)],
      });
      continue;
    }
    const out: Json = {};
    for (const f of TRANSITION_VALUE_FIELDS) if (m.has(f)) out[f] = m.get(f);
    const targets = targetsOf(m.get('targets'));
    if (m.has('targets') && targets === undefined) {
      problems.push({
        code: 'malformed',
        message: 'its targets are not a list of states; left out',
        ids: [id],
      });
      continue;
    }
    if (targets !== undefined) {
      const rendered: string[] = [];
      let missing = false;
      for (const t of targets) {
        if (!('state' in t)) {
          rendered.push(t.raw);
          problems.push({ code: 'target-unresolved', message: `"${t.raw}" names no state`, ids: [id] });
          continue;
        }
        const target = nodeOf.get(t.state ?? null);
        if (!target) {
          missing = true;
          problems.push({
            code: 'target-missing',
            message: 'its target state was deleted; left out',
            ids: [id, String(t.state)],
          });
          continue;
        }
        rendered.push(tree.resolve(source, t.raw) === target ? t.raw : tree.render(source, target));
      }
      if (missing) continue;
      out.target = m.get('targetList') ? rendered : rendered[0];
    }
    const key = m.get('kind') === 'always' ? '\u0000always' : String(m.get('event') ?? '');
    const bySource = groups.get(source) ?? new Map();
    groups.set(source, bySource);
    const group = bySource.get(key) ?? { single: true, list: [] };
    bySource.set(key, group);
    group.single &&= m.get('single') === true;
    const onlyTarget = Object.keys(out).length === 1 && typeof out.target === 'string';
    group.list.push(m.get('shorthand') === true && onlyTarget ? out.target : out);
  }
  for (const [node, bySource] of groups) {
    const spec = specOf.get(node)!;
    for (const [key, { single, list }] of bySource) {
      const value = single && list.length === 1 ? list[0] : list;
      if (key === '\u0000always') spec.always = value;
      else {
        spec.on ??= {};
        (spec.on as Json)[key] = value;
      }
    }
  }
}
