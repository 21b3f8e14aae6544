import type { GymSpecInput } from '@palestra/envs/core';
import * as Y from 'yjs';
import { historyTargetOf } from './historyTarget.ts';
import { DOC_SCHEMA_VERSION, docParts, type FieldMap, newId } from './schema.ts';
import { Tree, type TreeNode } from './tree.ts';

type Json = Record<string, unknown>;
type StateSpec = Json & { states?: Record<string, Json> };

/**
 * The state fields `toSpec` reads besides the tree, `initial` and transitions: whole JSON values,
 * but for a history state's `target`, kept as the state it names (`HistoryTarget`).
 */
export const STATE_VALUE_FIELDS = [
  'type',
  'history',
  'target',
  'tags',
  'description',
  'meta',
  'output',
  'entry',
  'exit',
] as const;

/** The transition fields kept as whole JSON values. */
export const TRANSITION_VALUE_FIELDS = ['guard', 'actions', 'reenter', 'description', 'meta'] as const;

/** The header fields (top-level spec fields written whole). */
export const HEADER_FIELDS = [
  'specVersion',
  'name',
  'version',
  'description',
  'author',
  'license',
  'tags',
  'replyEvent',
  'truncateOn',
  'spaces',
] as const;

const text = (s: string) => new Y.Text(s);
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * A plain JSON copy: Yjs refuses objects without a prototype (`Object.create(null)`, as some JSON
 * readers make) with "Unexpected content type", and would keep a shared reference otherwise.
 */
export const plainJson = (v: unknown): unknown =>
  v === undefined ? undefined : JSON.parse(JSON.stringify(v));

function fieldMap(entries: Record<string, unknown>): FieldMap {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(entries))
    if (v !== undefined) m.set(k, v instanceof Y.AbstractType ? v : plainJson(v));
  return m;
}

/**
 * A new Y.Doc holding `spec` (and its code `files`). Pure: the same spec always gives the same
 * content, up to element ids (this doc's client id and a counter, see `newId`).
 *
 * @example
 * const doc = fromSpec(loadCatalog('tally').spec);
 */
export function fromSpec(spec: GymSpecInput, files: Record<string, string> = {}): Y.Doc {
  const doc = new Y.Doc();
  writeSpec(doc, spec, files);
  return doc;
}

/**
 * The Yjs client id a stored document's first content is written under (`seedDoc`). Fixed, so that
 * two studio servers seeding the same environment at once (one PostgreSQL, two processes) write
 * the same items with the same ids, which Yjs merges as one instead of duplicating every state.
 * Random client ids are 32-bit, so a live peer taking this one is as likely as any other collision.
 */
export const SEED_CLIENT_ID = 1;

/**
 * The document a studio environment starts from: `fromSpec` under `SEED_CLIENT_ID`. The same spec
 * gives byte-identical updates wherever and whenever it is seeded.
 *
 * @example
 * Y.encodeStateAsUpdate(seedDoc(spec, files)) // the first row of a new environment's document
 */
export function seedDoc(spec: GymSpecInput, files: Record<string, string> = {}): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = SEED_CLIENT_ID;
  writeSpec(doc, spec, files);
  return doc;
}

/**
 * Writes `spec` into `doc` in one transaction (into an empty document: existing elements are not
 * removed). `nextId` names the new states, transitions and list elements.
 */
export function writeSpec(
  doc: Y.Doc,
  spec: GymSpecInput,
  files: Record<string, string> = {},
  nextId: () => string = () => newId(doc),
): void {
  const parts = docParts(doc);
  const s = spec as unknown as Json;
  doc.transact(() => {
    parts.meta.set('schemaVersion', DOC_SCHEMA_VERSION);
    for (const f of HEADER_FIELDS) if (s[f] !== undefined) parts.header.set(f, plainJson(s[f]));
    const context = (s.context ?? {}) as Json;
    if (context.schema !== undefined) parts.header.set('contextSchema', plainJson(context.schema));
    for (const [k, v] of Object.entries((context.initial ?? {}) as Json)) parts.context.set(k, plainJson(v));
    writeMachine(parts, s.machine as StateSpec, nextId);
    writeNamed(parts, s);
    (s.tools as Json[]).forEach((tool, order) => {
      parts.tools.set(nextId(), fieldMap({ order, ...tool }));
    });
    const tasks = s.tasks as Json;
    if (Array.isArray(tasks.list))
      (tasks.list as Json[]).forEach((task, order) => {
        parts.tasks.set(nextId(), fieldMap({ order, ...task }));
      });
    else parts.header.set('tasksModule', plainJson(tasks));
    const reward = (s.reward ?? {}) as Json;
    if (reward.bounds !== undefined) parts.header.set('rewardBounds', plainJson(reward.bounds));
    ((reward.rules ?? []) as Json[]).forEach((rule, order) => {
      const m = fieldMap({ order, ...rule });
      for (const k of ['when', 'expr'] as const) if (typeof rule[k] === 'string') m.set(k, text(rule[k]));
      parts.rewardRules.set(nextId(), m);
    });
    const obs = (s.observation ?? {}) as Json;
    if (typeof obs.template === 'string') parts.observation.set('template', text(obs.template));
    if (obs.module !== undefined) parts.observation.set('module', obs.module);
    if (obs.json !== undefined) parts.observation.set('json', textMap(obs.json as Record<string, string>));
    for (const [k, v] of Object.entries((s.limits ?? {}) as Json)) parts.limits.set(k, v);
    for (const [name, source] of Object.entries(files)) parts.files.set(name, text(source));
  });
}

function textMap(entries: Record<string, string>): Y.Map<Y.Text> {
  const m = new Y.Map<Y.Text>();
  for (const [k, v] of Object.entries(entries)) m.set(k, text(v));
  return m;
}

/** Guards and actions: keyed by their names, expressions as `Y.Text`. */
function writeNamed(parts: ReturnType<typeof docParts>, s: Json): void {
  for (const [name, g] of Object.entries((s.guards ?? {}) as Record<string, Json>)) {
    const m = fieldMap({ module: g.module });
    if (typeof g.expr === 'string') m.set('expr', text(g.expr));
    parts.guards.set(name, m);
  }
  for (const [name, a] of Object.entries((s.actions ?? {}) as Record<string, Json>)) {
    const m = fieldMap({ module: a.module, description: a.description });
    if (a.assign !== undefined) m.set('assign', textMap(a.assign as Record<string, string>));
    parts.actions.set(name, m);
  }
}

/** The state tree, flattened: every state and every transition gets its own id. */
function writeMachine(parts: ReturnType<typeof docParts>, machine: StateSpec, nextId: () => string): void {
  const specOf = new Map<TreeNode, StateSpec>();
  const build = (spec: StateSpec, id: string | null, key: string, parent?: TreeNode): TreeNode => {
    const node: TreeNode = {
      id,
      key,
      parent,
      children: new Map(),
      xid: typeof spec.id === 'string' ? spec.id : undefined,
    };
    specOf.set(node, spec);
    for (const [k, child] of Object.entries(spec.states ?? {}))
      node.children.set(k, build(child as StateSpec, nextId(), k, node));
    return node;
  };
  const root = build(machine, null, '');
  const tree = new Tree(root, root.xid);
  const visit = (node: TreeNode, order: number) => {
    const spec = specOf.get(node)!;
    const fields: Record<string, unknown> = { id: spec.id };
    for (const f of STATE_VALUE_FIELDS) fields[f] = spec[f];
    // A history state's default is kept as the state it names, as a transition's target is.
    if (spec.type === 'history' && typeof spec.target === 'string')
      fields.target = historyTargetOf(tree, node, spec.target);
    if (typeof spec.initial === 'string') {
      const child = node.children.get(spec.initial);
      if (child) fields.initial = child.id;
      else fields.initialRaw = spec.initial;
    }
    if (node.id === null)
      for (const [k, v] of Object.entries(fields)) v !== undefined && parts.machine.set(k, plainJson(v));
    else
      parts.states.set(
        node.id,
        fieldMap({ parent: node.parent?.id ?? null, name: node.key, order, ...fields }),
      );
    writeTransitions(parts, tree, node, spec, nextId);
    [...node.children.values()].forEach(visit);
  };
  visit(root, 0);
}

function writeTransitions(
  parts: ReturnType<typeof docParts>,
  tree: Tree,
  node: TreeNode,
  spec: StateSpec,
  nextId: () => string,
): void {
  const groups: { kind: 'on' | 'always'; event?: string; value: unknown }[] = [];
  for (const [event, value] of Object.entries((spec.on ?? {}) as Json))
    groups.push({ kind: 'on', event, value });
  if (spec.always !== undefined) groups.push({ kind: 'always', value: spec.always });
  for (const { kind, event, value } of groups) {
    const single = !Array.isArray(value);
    asList(value).forEach((t, order) => {
      const shorthand = typeof t === 'string';
      const obj = (shorthand ? { target: t } : t) as Json;
      // A target is kept as the state it names (so renames and moves follow it) and as written.
      const targets = asList(obj.target as string | string[] | undefined).map((raw) => {
        const resolved = tree.resolve(node, raw);
        return resolved === undefined ? { raw } : { state: resolved.id, raw };
      });
      const fields: Record<string, unknown> = {
        source: node.id,
        kind,
        event,
        order,
        single: single || undefined,
        shorthand: shorthand || undefined,
        targetList: Array.isArray(obj.target) || undefined,
        targets: obj.target === undefined ? undefined : targets,
      };
      for (const f of TRANSITION_VALUE_FIELDS) fields[f] = obj[f];
      parts.transitions.set(nextId(), fieldMap(fields));
    });
  }
}
