/**
 * The assistant's edits to the machine: states, transitions, guards and actions. Each is made with
 * the document's elementary edits (`doc/edits.ts`) or, where none exists, one transaction of its
 * own, always with `assistantOrigin`, so it reaches colleagues live and the member's undo takes it
 * back. Arguments are checked before anything is written: a refused call changes nothing.
 */
import * as Y from 'yjs';
import { assistantOrigin } from '../collab/undo.ts';
import {
  addState,
  addTransition,
  deleteTransition,
  moveState,
  removeState,
  renameState,
} from '../doc/edits.ts';
import { docParts, type FieldMap } from '../doc/schema.ts';
import { resolveState, type StateIndex, stateIndex } from './environmentView.ts';
import {
  bad,
  IDENT,
  named,
  optObject,
  optString,
  optStrings,
  reqString,
  STATE_NAME,
  stringOrNull,
} from './toolArgs.ts';

type Json = Record<string, unknown>;

/** What a tool did: the result the model reads, and a sentence for the chat. */
export interface ToolEffect {
  result: Json;
  effect: string;
}

const NAME_RULE = 'letters, digits, _ or -, starting with a letter or _ (at most 64)';
const IDENT_RULE = 'letters, digits and _, not starting with a digit';

/** The state `ref` names, or an error listing what the model can name instead. */
function stateOf(index: StateIndex, ref: string): string {
  const id = resolveState(index, ref);
  if (id === undefined) {
    const known = [...index.ids.keys()].sort().slice(0, 40).join(', ');
    bad(`no state "${ref}"; states are: ${known}`);
  }
  return id;
}

/** The parent a `parent` argument names: a state id, or null for the root. */
function parentOf(index: StateIndex, ref: string | null | undefined): string | null {
  return ref === null || ref === undefined || ref === '(root)' ? null : stateOf(index, ref);
}

const label = (index: StateIndex, id: string | null) =>
  id === null ? 'the root' : `"${index.paths.get(id) ?? id}"`;

/** Sibling names under `parent` (a state id or null), leaving out `except`. */
function siblingNames(doc: Y.Doc, parent: string | null, except?: string): Set<string> {
  const out = new Set<string>();
  for (const [id, m] of docParts(doc).states.entries())
    if (id !== except && (m.get('parent') ?? null) === parent) out.add(String(m.get('name')));
  return out;
}

/** The field map of the root (the machine) or of a state. */
function containerOf(doc: Y.Doc, id: string | null): Y.Map<unknown> | undefined {
  const parts = docParts(doc);
  return id === null ? parts.machine : parts.states.get(id);
}

export function addStateTool(doc: Y.Doc, args: Json): ToolEffect {
  const name = named(reqString(args, 'name'), STATE_NAME, 'state name', NAME_RULE);
  const index = stateIndex(doc);
  const parent = parentOf(index, stringOrNull(args, 'parent'));
  const type = optString(args, 'type');
  if (type !== undefined && !['atomic', 'compound', 'parallel', 'final'].includes(type))
    bad(`"type" must be atomic, compound, parallel or final, not "${type}"`);
  const description = optString(args, 'description');
  const initial = args.initial === true;
  if (siblingNames(doc, parent).has(name)) bad(`${label(index, parent)} already has a child "${name}"`);
  const container = containerOf(doc, parent);
  const hadChildren = [...docParts(doc).states.values()].some((m) => (m.get('parent') ?? null) === parent);
  const id = addState(doc, parent, name, assistantOrigin);
  // A compound state needs an initial child: the first child becomes it unless the parent is parallel.
  const makeInitial =
    initial ||
    (!hadChildren &&
      container?.get('type') !== 'parallel' &&
      container?.get('initial') === undefined &&
      container?.get('initialRaw') === undefined);
  doc.transact(() => {
    const m = docParts(doc).states.get(id)!;
    if (type !== undefined) m.set('type', type);
    if (description !== undefined) m.set('description', description);
    if (makeInitial && container) {
      container.set('initial', id);
      container.delete('initialRaw');
    }
  }, assistantOrigin);
  const path = stateIndex(doc).paths.get(id) ?? name;
  const isInitial = container?.get('initial') === id;
  return {
    result: { id, path, ...(isInitial && { initialOfParent: true }) },
    effect: `added state "${path}" under ${label(index, parent)}${isInitial ? ' (its initial state)' : ''}${type ? `, type ${type}` : ''}`,
  };
}

export function renameStateTool(doc: Y.Doc, args: Json): ToolEffect {
  const index = stateIndex(doc);
  const id = stateOf(index, reqString(args, 'state'));
  const name = named(reqString(args, 'name'), STATE_NAME, 'state name', NAME_RULE);
  const parent = (docParts(doc).states.get(id)?.get('parent') ?? null) as string | null;
  if (siblingNames(doc, parent, id).has(name)) bad(`${label(index, parent)} already has a child "${name}"`);
  const before = index.paths.get(id);
  renameState(doc, id, name, assistantOrigin);
  const path = stateIndex(doc).paths.get(id);
  return { result: { id, path }, effect: `renamed state "${before}" to "${path}"` };
}

export function moveStateTool(doc: Y.Doc, args: Json): ToolEffect {
  const index = stateIndex(doc);
  const id = stateOf(index, reqString(args, 'state'));
  if (!('parent' in args)) bad('"parent" is required: a state, or null for the root');
  const parent = parentOf(index, stringOrNull(args, 'parent'));
  const states = docParts(doc).states;
  for (let p: string | null = parent; p !== null; p = (states.get(p)?.get('parent') ?? null) as string | null)
    if (p === id) bad(`cannot move ${label(index, id)} under itself or its own descendant`);
  const name = String(states.get(id)?.get('name'));
  if (siblingNames(doc, parent, id).has(name)) bad(`${label(index, parent)} already has a child "${name}"`);
  const before = index.paths.get(id);
  moveState(doc, id, parent, assistantOrigin);
  const path = stateIndex(doc).paths.get(id);
  return {
    result: { id, path },
    effect: `moved state "${before}" under ${label(index, parent)} (now "${path}")`,
  };
}

export function deleteStateTool(doc: Y.Doc, args: Json): ToolEffect {
  const index = stateIndex(doc);
  const id = stateOf(index, reqString(args, 'state'));
  const path = index.paths.get(id)!;
  // As the canvas deletes: the transitions into the deleted states go too, and the parent gets
  // another initial state when it named this one.
  const scope = removeState(doc, id, assistantOrigin);
  const inside = scope.states.length - 1;
  return {
    result: {
      deletedStates: scope.states.map((s) => index.paths.get(s) ?? s),
      deletedTransitions: scope.transitions,
    },
    effect: `deleted state "${path}"${inside > 0 ? ` and ${inside} state(s) inside it` : ''}, with ${scope.transitions.length} transition(s) into or out of them`,
  };
}

export function addTransitionTool(doc: Y.Doc, args: Json): ToolEffect {
  const index = stateIndex(doc);
  for (const key of ['source', 'event', 'target'])
    if (!(key in args)) bad(`"${key}" is required (null where the tool description allows it)`);
  const source = parentOf(index, stringOrNull(args, 'source'));
  const eventArg = stringOrNull(args, 'event');
  const event = eventArg == null ? null : named(eventArg, IDENT, 'event', IDENT_RULE);
  const targetRef = stringOrNull(args, 'target');
  const target = targetRef == null ? null : stateOf(index, targetRef);
  const guardArg = optString(args, 'guard');
  const guard = guardArg === undefined ? undefined : named(guardArg, IDENT, 'guard name', IDENT_RULE);
  const actions = optStrings(args, 'actions');
  for (const a of actions ?? []) named(a, IDENT, 'action name', IDENT_RULE);
  if (target === null && !actions?.length)
    bad('a transition with no target needs actions (or give a target)');
  const id = addTransition(doc, source, event, target, guard, assistantOrigin);
  if (actions?.length)
    doc.transact(
      () =>
        docParts(doc)
          .transitions.get(id)
          ?.set('actions', [...actions]),
      assistantOrigin,
    );
  const parts = docParts(doc);
  const undefinedNames = [
    ...(guard !== undefined && !parts.guards.has(guard) ? [`guard "${guard}"`] : []),
    ...(actions ?? []).filter((a) => !parts.actions.has(a)).map((a) => `action "${a}"`),
  ];
  const sourceLabel = source === null ? '(root)' : index.paths.get(source);
  const targetLabel = target === null ? 'no target' : index.paths.get(target);
  return {
    result: {
      id,
      ...(undefinedNames.length > 0 && { notDefinedYet: undefinedNames }),
    },
    effect: `added transition ${sourceLabel} —${event ?? 'always'}${guard ? ` [${guard}]` : ''}${actions?.length ? ` / ${actions.join(', ')}` : ''}→ ${targetLabel}`,
  };
}

export function deleteTransitionTool(doc: Y.Doc, args: Json): ToolEffect {
  const id = reqString(args, 'transition');
  const m = docParts(doc).transitions.get(id);
  if (!m) bad(`no transition "${id}": read_environment lists their ids`);
  const event = m.get('kind') === 'always' ? 'always' : String(m.get('event'));
  deleteTransition(doc, id, assistantOrigin);
  return { result: { deleted: id }, effect: `deleted transition ${id} (${event})` };
}

/** The transition a `transition` argument names, when given. */
function transitionArg(doc: Y.Doc, args: Json): FieldMap | undefined {
  const id = optString(args, 'transition');
  if (id === undefined) return undefined;
  const m = docParts(doc).transitions.get(id);
  if (!m) bad(`no transition "${id}": read_environment lists their ids`);
  return m;
}

/** Replaces a text's content (a no-op when it is the same, so an unchanged field is not an edit). */
function setText(text: Y.Text, value: string): void {
  if (text.toString() === value) return;
  text.delete(0, text.length);
  text.insert(0, value);
}

export function setGuardTool(doc: Y.Doc, args: Json): ToolEffect {
  const name = named(reqString(args, 'name'), IDENT, 'guard name', IDENT_RULE);
  const expression = reqString(args, 'expression');
  const transition = transitionArg(doc, args);
  const { guards } = docParts(doc);
  const existed = guards.has(name);
  doc.transact(() => {
    let m = guards.get(name);
    if (!(m instanceof Y.Map)) {
      m = new Y.Map<unknown>();
      guards.set(name, m);
    }
    let text = m.get('expr');
    if (!(text instanceof Y.Text)) {
      text = new Y.Text();
      m.set('expr', text);
      m.delete('module');
    }
    setText(text as Y.Text, expression);
    transition?.set('guard', name);
  }, assistantOrigin);
  return {
    result: { guard: name, ...(transition && { onTransition: true }) },
    effect: `${existed ? 'set' : 'created'} guard "${name}" = ${expression}${transition ? ' and put it on the transition' : ''}`,
  };
}

export function setActionTool(doc: Y.Doc, args: Json): ToolEffect {
  const name = named(reqString(args, 'name'), IDENT, 'action name', IDENT_RULE);
  const assign =
    optObject(args, 'assign') ?? bad('"assign" must be an object of context field → CEL expression');
  const entries = Object.entries(assign);
  if (entries.length === 0) bad('"assign" needs at least one field');
  for (const [field, expr] of entries) {
    named(field, IDENT, 'context field', IDENT_RULE);
    if (typeof expr !== 'string' || expr.trim() === '')
      bad(`the expression of "${field}" must be a non-empty string`);
  }
  const description = optString(args, 'description');
  const transition = transitionArg(doc, args);
  const { actions } = docParts(doc);
  const existed = actions.has(name);
  doc.transact(() => {
    let m = actions.get(name);
    if (!(m instanceof Y.Map)) {
      m = new Y.Map<unknown>();
      actions.set(name, m);
    }
    let texts = m.get('assign');
    if (!(texts instanceof Y.Map)) {
      texts = new Y.Map<Y.Text>();
      m.set('assign', texts);
      m.delete('module');
    }
    // Field by field, so a colleague typing in one field of the same action keeps their text.
    const assignMap = texts as Y.Map<Y.Text>;
    for (const key of [...assignMap.keys()]) if (!(key in assign)) assignMap.delete(key);
    for (const [field, expr] of entries) {
      const t = assignMap.get(field);
      if (t instanceof Y.Text) setText(t, expr as string);
      else assignMap.set(field, new Y.Text(expr as string));
    }
    if (description !== undefined) m.set('description', description);
    if (transition) {
      const current = transition.get('actions');
      const list = current === undefined ? [] : Array.isArray(current) ? [...current] : [current];
      if (!list.includes(name)) transition.set('actions', [...list, name]);
    }
  }, assistantOrigin);
  return {
    result: { action: name, ...(transition && { onTransition: true }) },
    effect: `${existed ? 'set' : 'created'} action "${name}": ${entries.map(([k, v]) => `${k} = ${v}`).join('; ')}${transition ? ' and added it to the transition' : ''}`,
  };
}
