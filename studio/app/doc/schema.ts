import type * as Y from 'yjs';

/**
 * The layout of an environment's collaborative document (a Y.Doc mirroring a GymSpec).
 *
 * Every top-level shared type is named here, so the editor (issue 17), the server and the mapping
 * agree on one layout. The state tree is flat: `states` and `transitions` are maps from a stable
 * id to a small `Y.Map` of fields, and a state names its `parent` by id. Yjs cannot move a subtree,
 * so a tree of nested maps would lose a colleague's concurrent edits inside a state that is moved;
 * with flat maps a move is one field write (`parent`) and nothing inside the state is copied.
 *
 * Lists whose elements two people edit independently (tools, tasks, reward rules) are flat maps
 * keyed by id with an `order` number, not `Y.Array`s of values: in a `Y.Array` an edit to an
 * element is a delete and an insert, so two people editing two different tools at once would each
 * replace the whole element; keyed maps merge field by field, and sorting by `(order, id)` gives
 * every peer the same list. Expressions, templates and module code are `Y.Text`, so two people
 * typing in one guard merge character by character.
 */
export const DOC_SCHEMA_VERSION = 2;

/** A state's or transition's field map (plain JSON values, `Y.Text` for expressions). */
export type FieldMap = Y.Map<unknown>;

/** The document's top-level shared types, by name. */
export function docParts(doc: Y.Doc) {
  return {
    /** `schemaVersion`: the layout version of this document (`DOC_SCHEMA_VERSION`). */
    meta: doc.getMap<unknown>('meta'),
    /**
     * The spec's scalar and small JSON fields, each written whole (last writer wins per field):
     * specVersion, name, version, description, author, license, tags, replyEvent, truncateOn, spaces,
     * contextSchema, rewardBounds, and tasksModule (`{ module, count, split? }`, when the tasks are
     * generated rather than listed).
     */
    header: doc.getMap<unknown>('header'),
    /** The machine's root state: the fields of a state, without parent, name and order. */
    machine: doc.getMap<unknown>('machine'),
    /**
     * State id → fields. `parent` (a state id, or null for the root's children), `name` (its key
     * under the parent), `order` (among siblings), `initial` (a child's state id; `initialRaw` when
     * the spec's `initial` named no child), `id` (the explicit XState id, if any), and as whole JSON
     * values `type`, `history`, `tags`, `description`, `meta`, `output`, `entry`, `exit`. A
     * history state's default `target` is `{ state, raw }` like a transition's target (the state
     * id it names and the string as written; `{ raw }` when it named no state; see
     * `HistoryTarget`), or a plain string as written (layout version 1, or not a history state). No `states`, `on` or `always`: the tree is in `parent`,
     * and transitions are elements of their own. `toSpec` reads only these fields, so the editor
     * may keep its own beside them (a manual `position`, for instance).
     */
    states: doc.getMap<FieldMap>('states'),
    /**
     * Transition id → fields. `source` (a state id, or null for the root), `kind` (`on`, with an
     * `event`, or `always` for eventless ones; GymSpec has no `after`), `order` (within its source
     * and event), `targets` (a list of `{ state, raw }`: the state id it names, null for the root,
     * and the string as written, kept while it still names that state; `{ raw }` alone when it
     * named no state; absent for a targetless transition), and as written in the spec `guard`,
     * `actions`, `reenter`, `description`, `meta`. Flags keep the spec's shorthand: `single` (not
     * in a list), `shorthand` (a bare target string), `targetList` (target written as a list).
     */
    transitions: doc.getMap<FieldMap>('transitions'),
    /** Guard name → `{ expr: Y.Text }` or `{ module }`. */
    guards: doc.getMap<FieldMap>('guards'),
    /** Action name → `{ assign: Y.Map<Y.Text> }` or `{ module }`, and `description`. */
    actions: doc.getMap<FieldMap>('actions'),
    /** Tool id → `{ order, name, description, parameters, event }`. */
    tools: doc.getMap<FieldMap>('tools'),
    /** Task element id → `{ order, id, instructions, context?, data?, split? }` (listed tasks). */
    tasks: doc.getMap<FieldMap>('tasks'),
    /** Reward rule id → `{ order, …rule }` with `when` and `expr` as `Y.Text`. */
    rewardRules: doc.getMap<FieldMap>('rewardRules'),
    /** `template` (Y.Text), `json` (Y.Map of Y.Text), `module`. */
    observation: doc.getMap<unknown>('observation'),
    /** `context.initial`, one entry per field, so two people edit two fields without conflict. */
    context: doc.getMap<unknown>('context'),
    /** `limits`, one entry per limit. */
    limits: doc.getMap<unknown>('limits'),
    /** Code module file name → source (`Y.Text`). */
    files: doc.getMap<Y.Text>('files'),
  };
}

/** The document parts, as `docParts` returns them. */
export type DocParts = ReturnType<typeof docParts>;

/**
 * A fresh element id, unique across peers: this peer's Yjs client id and a counter. Ids are never
 * reused, so a deleted state's id cannot be taken by a new one.
 *
 * @example
 * const id = newId(doc); // "k3f9x-1"
 */
export function newId(doc: Y.Doc): string {
  const next = (counters.get(doc) ?? 0) + 1;
  counters.set(doc, next);
  return `${doc.clientID.toString(36)}-${next}`;
}
const counters = new WeakMap<Y.Doc, number>();

/** The document's layout version; 0 when it has none (a version 0 document). */
export function docSchemaVersion(doc: Y.Doc): number {
  const v = docParts(doc).meta.get('schemaVersion');
  return typeof v === 'number' ? v : 0;
}

/**
 * The whole document as plain JSON, every part included (a Y.Doc's own `toJSON` shows only the
 * parts this peer has opened): two peers hold the same document when these are deep-equal.
 */
export function docJson(doc: Y.Doc): Record<string, unknown> {
  docParts(doc);
  return doc.toJSON();
}
