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

/** A point on the canvas: a state's manual `position`, relative to its parent's box. */
export interface Point {
  x: number;
  y: number;
}

/** The field map of a state's parent: the state's map, or the machine's for the root (null). */
function parentMap(doc: Y.Doc, parent: string | null): Y.Map<unknown> | undefined {
  const { states, machine } = docParts(doc);
  return parent === null ? machine : states.get(parent);
}

/** The children of `parent` (a state id, null for the root), by `(order, id)`. */
function childrenOf(doc: Y.Doc, parent: string | null, except?: string): string[] {
  return [...docParts(doc).states.entries()]
    .filter(([id, m]) => id !== except && m instanceof Y.Map && (m.get('parent') ?? null) === parent)
    .sort(([a, x], [b, y]) => Number(x.get('order') ?? 0) - Number(y.get('order') ?? 0) || (a < b ? -1 : 1))
    .map(([id]) => id);
}

/**
 * The child of `parent` to enter first when the one it entered first goes: the first that is not
 * a history state (a history state entered first restores itself without end), else the first.
 */
function firstEnterable(doc: Y.Doc, parent: string | null, except?: string): string | undefined {
  const rest = childrenOf(doc, parent, except);
  return rest.find((c) => docParts(doc).states.get(c)?.get('type') !== 'history') ?? rest[0];
}

/**
 * A parent that names no child as its initial state gets `child`: a state that has just become
 * compound needs one (`parseSpec` refuses it without), and the first child is XState's own choice.
 */
function ensureInitial(doc: Y.Doc, parent: string | null, child: string): void {
  const m = parentMap(doc, parent);
  if (!m) return;
  const initial = m.get('initial');
  const children = new Set(childrenOf(doc, parent));
  if (typeof initial === 'string' && children.has(initial)) return;
  if (m.get('type') === 'parallel') return;
  m.delete('initialRaw');
  m.set('initial', child);
}

/**
 * Adds a state under `parent` (a state id, or null for the root); returns its id. The parent's
 * first child becomes its initial state. With `position`, the state is drawn there (a point in its
 * parent's box) rather than where the automatic layout puts it.
 */
export function addState(
  doc: Y.Doc,
  parent: string | null,
  name: string,
  origin?: unknown,
  position?: Point,
): string {
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
    if (position) m.set('position', roundPoint(position));
    states.set(id, m);
    ensureInitial(doc, parent, id);
  }, origin);
  return id;
}

/** Canvas coordinates to a tenth of a pixel: no one sees finer, and the document stays small. */
function roundPoint(p: Point): Point {
  return { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 };
}

/**
 * Renames a state (its key among its siblings). Transitions follow it: they hold its id. Fields
 * that name it (or a state under it) by dotted path, reward rules' `onEnter` and `truncateOn`,
 * are rewritten in the same transaction (`followPath`).
 */
export function renameState(doc: Y.Doc, id: string, name: string, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).states.get(id);
    if (!m) return;
    const before = statePath(doc, id);
    m.set('name', name);
    followPath(doc, before, statePath(doc, id));
  }, origin);
}

/**
 * A state's dotted path from the root, by its ancestors' names as this peer sees them (undefined
 * for a missing state or a parent cycle, which `toSpec` breaks by its own rule).
 */
export function statePath(doc: Y.Doc, id: string): string | undefined {
  const { states } = docParts(doc);
  const names: string[] = [];
  const seen = new Set<string>();
  for (let cur: unknown = id; typeof cur === 'string'; cur = states.get(cur)?.get('parent')) {
    const m = states.get(cur);
    if (!m || seen.has(cur)) return undefined;
    seen.add(cur);
    names.unshift(String(m.get('name')));
  }
  return names.join('.');
}

/**
 * Rewrites the fields that name states by dotted path, reward rules' `onEnter` and `truncateOn`,
 * from the path `from` (and the paths under it) to `to`. A value that is some state's explicit
 * `id` names that state whatever its path (the kernel looks ids up first), so it is kept. The
 * caller's transaction holds the rename or move and this, so one undo takes back both.
 */
function followPath(doc: Y.Doc, from: string | undefined, to: string | undefined): void {
  if (from === undefined || to === undefined || from === to) return;
  const { rewardRules, header, states } = docParts(doc);
  const ids = new Set([...states.values()].map((m) => m instanceof Y.Map && m.get('id')));
  const moved = (path: unknown) =>
    typeof path !== 'string' || ids.has(path)
      ? undefined
      : path === from
        ? to
        : path.startsWith(`${from}.`)
          ? `${to}${path.slice(from.length)}`
          : undefined;
  for (const m of rewardRules.values()) {
    if (!(m instanceof Y.Map)) continue;
    const next = moved(m.get('onEnter'));
    if (next !== undefined) m.set('onEnter', next);
  }
  const truncateOn = header.get('truncateOn');
  if (Array.isArray(truncateOn) && truncateOn.some((p) => moved(p) !== undefined))
    header.set(
      'truncateOn',
      truncateOn.map((p) => moved(p) ?? p),
    );
}

/** Whether `id` is `ancestor` or lies under it, as this peer sees the tree. */
export function isWithin(doc: Y.Doc, id: string, ancestor: string): boolean {
  const { states } = docParts(doc);
  const seen = new Set<string>();
  for (
    let cur: unknown = id;
    typeof cur === 'string' && !seen.has(cur);
    cur = states.get(cur)?.get('parent')
  ) {
    if (cur === ancestor) return true;
    seen.add(cur);
  }
  return false;
}

/**
 * Moves a state under another parent (null: the root), last among its new siblings. Its manual
 * position is relative to the old parent's box, so it goes (or becomes `position`, a point in the
 * new parent's box). A parent it leaves that named it initial takes its first remaining child; a
 * parent that gains its first child takes it as initial. A move into the state itself or under it
 * is refused (returns false): concurrent moves can still make a cycle, which `toSpec` breaks.
 * Fields naming it by dotted path follow it, as for a rename.
 */
export function moveState(
  doc: Y.Doc,
  id: string,
  parent: string | null,
  origin?: unknown,
  position?: Point,
): boolean {
  const { states } = docParts(doc);
  if (parent !== null && isWithin(doc, parent, id)) return false;
  let moved = false;
  doc.transact(() => {
    const m = states.get(id);
    if (!m) return;
    const from = (m.get('parent') ?? null) as string | null;
    const before = statePath(doc, id);
    m.set('parent', parent);
    m.set(
      'order',
      nextOrder(states, (s) => s.get('parent') === parent && s !== m),
    );
    if (position) m.set('position', roundPoint(position));
    else m.delete('position');
    if (from !== parent) {
      const old = parentMap(doc, from);
      const next = firstEnterable(doc, from, id);
      if (old?.get('initial') === id) {
        if (next !== undefined) old.set('initial', next);
        else old.delete('initial');
      }
      ensureInitial(doc, parent, id);
    }
    followPath(doc, before, statePath(doc, id));
    moved = true;
  }, origin);
  return moved;
}

/** Draws a state at `position` (a point in its parent's box), or where the layout puts it (null). */
export function setPosition(doc: Y.Doc, id: string, position: Point | null, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).states.get(id);
    if (!m) return;
    if (position) m.set('position', roundPoint(position));
    else m.delete('position');
  }, origin);
}

/** Forgets every manual position, in one transaction: the automatic layout places every state. */
export function clearPositions(doc: Y.Doc, origin?: unknown): void {
  doc.transact(() => {
    for (const m of docParts(doc).states.values())
      if (m instanceof Y.Map && m.has('position')) m.delete('position');
  }, origin);
}

/** A state's manual position, when it has a well-formed one. */
export function positionOf(m: FieldMap): Point | undefined {
  const p = m.get('position') as Partial<Point> | undefined;
  return p && typeof p === 'object' && Number.isFinite(p.x) && Number.isFinite(p.y)
    ? { x: p.x as number, y: p.y as number }
    : undefined;
}

/** Makes a state the one its parent enters first (the machine's, for a top-level state). */
export function setInitial(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).states.get(id);
    if (!m) return;
    const parent = parentMap(doc, (m.get('parent') ?? null) as string | null);
    parent?.delete('initialRaw');
    parent?.set('initial', id);
  }, origin);
}

/** Makes a state final (the episode ends when it is entered), or an ordinary state again. */
export function setFinal(doc: Y.Doc, id: string, final: boolean, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).states.get(id);
    if (!m) return;
    if (final) m.set('type', 'final');
    else if (m.get('type') === 'final') m.delete('type');
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

/** What deleting a state takes with it, as this peer sees the document. */
export interface DeletionScope {
  /** The state and every state under it. */
  states: string[];
  /** The transitions that leave or enter those states. */
  transitions: string[];
}

/** The states and transitions `removeState(doc, id)` would delete (what the confirmation counts). */
export function deletionScope(doc: Y.Doc, id: string): DeletionScope {
  const { states, transitions } = docParts(doc);
  if (!states.has(id)) return { states: [], transitions: [] };
  const gone = [...states.keys()].filter((sid) => isWithin(doc, sid, id));
  const set = new Set(gone);
  const edges = [...transitions.entries()]
    .filter(([, m]) => {
      if (!(m instanceof Y.Map)) return false;
      if (set.has(m.get('source') as string)) return true;
      const targets = m.get('targets');
      return Array.isArray(targets) && targets.some((t) => set.has(t?.state));
    })
    .map(([tid]) => tid);
  return { states: gone, transitions: edges };
}

/**
 * Deletes a state as the canvas does: the state, its descendants, and the transitions that leave or
 * enter them as this peer sees the document (a transition into a deleted state is meaningless once
 * its author deleted it; one a colleague adds concurrently stays, see CONFLICTS.md). A parent that
 * named it initial takes its first remaining child; a history state whose default named one of
 * them loses that default. Returns what it deleted.
 */
export function removeState(doc: Y.Doc, id: string, origin?: unknown): DeletionScope {
  const { states, transitions } = docParts(doc);
  const scope = deletionScope(doc, id);
  doc.transact(() => {
    const m = states.get(id);
    if (!m) return;
    const from = (m.get('parent') ?? null) as string | null;
    for (const tid of scope.transitions) transitions.delete(tid);
    for (const sid of scope.states) states.delete(sid);
    forgetHistoryDefaults(doc, new Set(scope.states));
    const parent = parentMap(doc, from);
    if (parent?.get('initial') === id) {
      const next = firstEnterable(doc, from);
      if (next !== undefined) parent.set('initial', next);
      else parent.delete('initial');
    }
  }, origin);
  return scope;
}

/**
 * History states whose default names one of `gone` lose it, as transitions into them are deleted:
 * without one, a history state enters its parent's initial state (XState's rule).
 */
function forgetHistoryDefaults(doc: Y.Doc, gone: Set<string>): void {
  for (const m of docParts(doc).states.values()) {
    if (!(m instanceof Y.Map)) continue;
    const target = m.get('target') as { state?: unknown } | undefined;
    if (target !== null && typeof target === 'object' && gone.has(target.state as string)) m.delete('target');
  }
}

/**
 * Sets the state a history state enters the first time, before it has a history (a state id;
 * null: none, the parent's initial state). Kept as the state's id, like a transition's target, so
 * renames and moves of that state follow it.
 *
 * @example
 * setHistoryDefault(doc, historyId, reviewId, localOrigin); // "target": "review" in the spec
 */
export function setHistoryDefault(doc: Y.Doc, id: string, target: string | null, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).states.get(id);
    if (target === null) m?.delete('target');
    // `raw` is empty: no written form to keep, so `toSpec` renders one from the tree.
    else m?.set('target', { state: target, raw: '' });
  }, origin);
}

/**
 * Changes the event a transition is taken on (null: eventless, `always`); it goes last among the
 * transitions of its source on that event.
 */
export function setEvent(doc: Y.Doc, id: string, event: string | null, origin?: unknown): void {
  const { transitions } = docParts(doc);
  doc.transact(() => {
    const m = transitions.get(id);
    if (!m) return;
    const source = m.get('source') ?? null;
    m.set('kind', event === null ? 'always' : 'on');
    if (event === null) m.delete('event');
    else m.set('event', event);
    m.set(
      'order',
      nextOrder(
        transitions,
        (t) => t !== m && (t.get('source') ?? null) === source && (t.get('event') ?? null) === event,
      ),
    );
  }, origin);
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

/**
 * Guards a transition with the guard `name` (null: no guard, the transition fires whenever its
 * event comes).
 *
 * @example
 * setTransitionGuard(doc, transitionId, 'hasOrderId', localOrigin);
 */
export function setTransitionGuard(doc: Y.Doc, id: string, name: string | null, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).transitions.get(id);
    if (name === null) m?.delete('guard');
    else m?.set('guard', name);
  }, origin);
}

/**
 * Writes the actions a transition runs, in order (an empty list: none). Each is a name, or a
 * reference with parameters kept as written (`{ type, params }`).
 */
export function setTransitionActions(doc: Y.Doc, id: string, actions: unknown[], origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).transitions.get(id);
    if (!m) return;
    if (actions.length === 0) m.delete('actions');
    else m.set('actions', JSON.parse(JSON.stringify(actions)));
  }, origin);
}

/**
 * What the toolbar's "Kind" makes a state: an ordinary state, a final one (the episode ends on
 * entering it), or a history state, which enters the state its parent was last in when the parent
 * was left (`shallow`: that child; `deep`: that child and the states it was in below it).
 */
export type StateKind = 'state' | 'final' | 'shallow-history' | 'deep-history';

/** A state's kind as the toolbar shows it; a parallel or compound one is a `state`. */
export function stateKindOf(m: FieldMap | undefined): StateKind {
  const type = m?.get('type');
  if (type === 'final') return 'final';
  if (type === 'history') return m?.get('history') === 'deep' ? 'deep-history' : 'shallow-history';
  return 'state';
}

/** Whether `id` names a history state (XState's pseudo-state: entered, it is left at once). */
export function isHistoryState(doc: Y.Doc, id: string | null): boolean {
  return id !== null && docParts(doc).states.get(id)?.get('type') === 'history';
}

/** Why a state cannot become a kind: `code` for callers, `message` for the person (what to do). */
export interface KindRefusal {
  code:
    | 'history-at-top-level'
    | 'history-has-children'
    | 'history-has-transitions'
    | 'history-is-initial'
    | 'final-has-children';
  message: string;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Why the state `id` cannot become `kind`, or undefined. The kernel's check accepts every one of
 * these specs, but XState (5.33) ignores a history or final state's children and a history state's
 * own transitions, and a history state its parent enters first restores the parent's initial state,
 * itself, until the stack overflows when the environment is opened; a history state at the top
 * level remembers nothing, as the machine is never left. So the studio refuses them and says why.
 *
 * @example
 * stateKindProblem(doc, topLevelId, 'deep-history')?.code // 'history-at-top-level'
 */
export function stateKindProblem(doc: Y.Doc, id: string, kind: StateKind): KindRefusal | undefined {
  const { states, transitions } = docParts(doc);
  const m = states.get(id);
  if (!m || kind === 'state') return undefined;
  const path = statePath(doc, id) ?? id;
  const children = childrenOf(doc, id).length;
  if (kind === 'final')
    return children > 0
      ? {
          code: 'final-has-children',
          message: `${path} has ${plural(children, 'child state')}: a final state ends the episode when it is entered, so they would never be; move or delete them first`,
        }
      : undefined;
  const parent = (m.get('parent') ?? null) as string | null;
  if (parent === null)
    return {
      code: 'history-at-top-level',
      message: `${path} is at the top level: a history state goes back to where its parent state was left, and the machine is never left; put it inside a state first`,
    };
  if (children > 0)
    return {
      code: 'history-has-children',
      message: `${path} has ${plural(children, 'child state')}: a history state holds none, it points at one of its siblings; move or delete them first`,
    };
  const own = [...transitions.values()].filter((t) => t instanceof Y.Map && t.get('source') === id).length;
  if (own > 0)
    return {
      code: 'history-has-transitions',
      message: `${path} has ${plural(own, 'transition')} of its own: a history state is left at once for the state it restores, so they would never fire; delete them first`,
    };
  if (parentMap(doc, parent)?.get('initial') === id)
    return {
      code: 'history-is-initial',
      message: `${path} is the state its parent enters first: as a history state it would restore that state, itself, without end; ${
        childrenOf(doc, parent, id).length > 0
          ? 'make a sibling initial first'
          : 'add a sibling and make it initial first'
      }`,
    };
  return undefined;
}

/**
 * Makes a state `kind`, in one transaction, unless `stateKindProblem` refuses (returned). A state
 * that stops being a history state loses its history fields (`history`, its default `target`); one
 * that becomes one drops a `target` it had (XState ignored it there; as a default it would start
 * to mean something). The same kind again writes nothing, so it leaves no empty undo step.
 *
 * @example
 * setStateKind(doc, resumeId, 'deep-history', localOrigin); // "type": "history", "history": "deep"
 */
export function setStateKind(
  doc: Y.Doc,
  id: string,
  kind: StateKind,
  origin?: unknown,
): KindRefusal | undefined {
  const m = docParts(doc).states.get(id);
  if (!m || stateKindOf(m) === kind) return undefined;
  const refused = stateKindProblem(doc, id, kind);
  if (refused) return refused;
  doc.transact(() => {
    const wasHistory = m.get('type') === 'history';
    const history = kind === 'shallow-history' || kind === 'deep-history';
    if (kind === 'final') m.set('type', 'final');
    else if (history) m.set('type', 'history');
    else if (m.get('type') === 'final' || wasHistory) m.delete('type');
    if (kind === 'deep-history') m.set('history', 'deep');
    else m.delete('history');
    if (wasHistory !== history) m.delete('target');
  }, origin);
  return undefined;
}

/**
 * The states a history state may name as its default, by the kernel's rule (the default is read
 * from the history state's parent): every state under its parent but itself, by dotted path.
 * History states are left out: XState leaves a history state that restores another one active as
 * if it were a state, and two that name each other overflow the stack.
 */
export function historyDefaultChoices(doc: Y.Doc, id: string): string[] {
  const { states } = docParts(doc);
  const parent = (states.get(id)?.get('parent') ?? null) as string | null;
  return [...states.entries()]
    .filter(
      ([sid, m]) =>
        sid !== id &&
        sid !== parent &&
        m instanceof Y.Map &&
        m.get('type') !== 'history' &&
        (parent === null || isWithin(doc, sid, parent)),
    )
    .map(([sid]) => [sid, statePath(doc, sid)] as const)
    .filter((e): e is readonly [string, string] => e[1] !== undefined)
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sid]) => sid);
}

/**
 * Why a state cannot go under `parent` (document ids; `id` undefined for a new state), by the
 * rules `stateKindProblem` keeps for history states, so that adding or moving a state cannot break
 * them: a history state holds no states, and one is not moved to the top level nor into a state
 * that would enter it first (one with no other child that is not a history state).
 *
 * @example
 * placementProblem(doc, undefined, historyId) // "work.resume is a history state: it holds no states; …"
 */
export function placementProblem(
  doc: Y.Doc,
  id: string | undefined,
  parent: string | null,
): string | undefined {
  if (isHistoryState(doc, parent))
    return `${statePath(doc, parent!)} is a history state: it holds no states; put it in its parent instead`;
  if (id === undefined || !isHistoryState(doc, id)) return undefined;
  const path = statePath(doc, id) ?? id;
  if (parent === null)
    return `${path} is a history state: at the top level it would remember nothing, as the machine is never left`;
  const enterable = childrenOf(doc, parent, id).some((c) => !isHistoryState(doc, c));
  return enterable
    ? undefined
    : `${path} is a history state: ${statePath(doc, parent)} would enter it first, and it would restore itself without end; add another state there first`;
}
