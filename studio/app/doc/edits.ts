import * as Y from 'yjs';
import { docParts, type FieldMap, newId } from './schema.ts';

/**
 * The document's elementary edits, each one transaction, as the canvas and the design assistant
 * make them (issue 17) and as the property tests replay them. Structure lives in single fields
 * (`parent`, `name`, `source`, `targets`), so each edit writes few fields and never copies a subtree.
 */

/** The largest `order` among `map`'s elements, plus one: appends after every current element. */
function nextOrder(map: Y.Map<FieldMap>, where: (m: FieldMap) => boolean = () => true): number {
  let max = -1;
  for (const m of map.values()) if (where(m)) max = Math.max(max, Number(m.get('order') ?? 0));
  return max + 1;
}

/** Adds a state under `parent` (a state id, or null for the root); returns its id. */
export function addState(doc: Y.Doc, parent: string | null, name: string, origin?: unknown): string {
  const { states } = docParts(doc);
  const id = newId(doc);
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('parent', parent);
    m.set('name', name);
    m.set(
      'order',
      nextOrder(states, (s) => s.get('parent') === parent),
    );
    states.set(id, m);
  }, origin);
  return id;
}

/** Renames a state (its key among its siblings). Transitions follow it: they hold its id. */
export function renameState(doc: Y.Doc, id: string, name: string, origin?: unknown): void {
  doc.transact(() => docParts(doc).states.get(id)?.set('name', name), origin);
}

/** Moves a state under another parent (null: the root), last among its new siblings. */
export function moveState(doc: Y.Doc, id: string, parent: string | null, origin?: unknown): void {
  const { states } = docParts(doc);
  doc.transact(() => {
    const m = states.get(id);
    if (!m) return;
    m.set('parent', parent);
    m.set(
      'order',
      nextOrder(states, (s) => s.get('parent') === parent),
    );
  }, origin);
}

/**
 * Deletes a state, its descendants and the transitions that leave them (as this peer sees them).
 * Transitions into them are kept: `toSpec` leaves them out and reports them, so a colleague sees
 * what to retarget (see CONFLICTS.md).
 */
export function deleteState(doc: Y.Doc, id: string, origin?: unknown): void {
  const { states, transitions } = docParts(doc);
  doc.transact(() => {
    const gone = new Set([id]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [sid, m] of states.entries()) {
        const p = m.get('parent');
        if (typeof p === 'string' && gone.has(p) && !gone.has(sid)) {
          gone.add(sid);
          grew = true;
        }
      }
    }
    for (const sid of gone) states.delete(sid);
    for (const [tid, m] of [...transitions.entries()])
      if (gone.has(m.get('source') as string)) transitions.delete(tid);
  }, origin);
}

/**
 * Adds a transition on `event` (or eventless, `always`, for null) from `source` to `target` (state
 * ids; a null target is a targetless transition, actions only).
 */
export function addTransition(
  doc: Y.Doc,
  source: string | null,
  event: string | null,
  target: string | null,
  guard?: string,
  origin?: unknown,
): string {
  const { transitions } = docParts(doc);
  const id = newId(doc);
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('source', source);
    m.set('kind', event === null ? 'always' : 'on');
    if (event !== null) m.set('event', event);
    m.set(
      'order',
      nextOrder(transitions, (t) => t.get('source') === source && (t.get('event') ?? null) === event),
    );
    // `raw` is empty: no written form to keep, so `toSpec` renders one from the tree.
    if (target !== null) m.set('targets', [{ state: target, raw: '' }]);
    if (guard !== undefined) m.set('guard', guard);
    transitions.set(id, m);
  }, origin);
  return id;
}

/** Points a transition at another state (null: no target). */
export function retarget(doc: Y.Doc, id: string, target: string | null, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).transitions.get(id);
    if (target === null) m?.delete('targets');
    else m?.set('targets', [{ state: target, raw: '' }]);
  }, origin);
}

/** Deletes a transition. */
export function deleteTransition(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => docParts(doc).transitions.delete(id), origin);
}

/** The text of a named guard's CEL expression (created empty when missing), for editing. */
export function guardText(doc: Y.Doc, name: string): Y.Text {
  const { guards } = docParts(doc);
  let m = guards.get(name);
  if (!m) {
    m = new Y.Map<unknown>();
    m.set('expr', new Y.Text());
    guards.set(name, m);
  }
  return m.get('expr') as Y.Text;
}
