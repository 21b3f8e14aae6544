import * as Y from 'yjs';
import { isObject, nextOrder } from './fieldEdits.ts';
import { plainJson } from './fromSpec.ts';
import { docParts, type FieldMap, newId } from './schema.ts';
import { ordered } from './toSpec.ts';

/**
 * Guards, actions, reward rules and code files, created and deleted from the panel. A delete
 * first asks what uses the element (`guardUsage`, `actionUsage`, `fileUsage`), so the
 * confirmation can name it; deleting a guard or an action then takes it off what uses it in the
 * same transaction (the machine stays valid, and one undo brings both back), while a code file in
 * use is not deleted at all (a guard without its module would be neither an expression nor code).
 */

/** GymSpec's rule for guard, action and context field names (an identifier), at most 64 long. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Why `name` cannot name a new guard, action or context field among `taken`, or undefined.
 *
 * @example
 * identifierProblem('2fast', [], 'guard') // '"2fast" is not a guard name: use letters, digits and _, …'
 */
export function identifierProblem(name: string, taken: Iterable<string>, what: string): string | undefined {
  const a = /^[aeiou]/.test(what) ? 'an' : 'a';
  if (!IDENTIFIER.test(name))
    return `"${name}" is not ${a} ${what} name: use letters, digits and _, not starting with a digit`;
  for (const t of taken) if (t === name) return `there is already ${a} ${what} named "${name}"`;
  return undefined;
}

/** The name a guard or action reference (`"name"` or `{ type, params }`) names. */
function refName(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (isObject(ref) && typeof ref.type === 'string') return ref.type;
  return undefined;
}

/**
 * Adds a guard whose CEL expression is `expr` (a `Y.Text`, shared like every guard's), and, with
 * `transition`, puts it on that transition in the same transaction. Returns false (and writes
 * nothing) when a guard of that name exists.
 *
 * @example
 * addGuard(doc, 'hasOrderId', 'has(context.orderId)', localOrigin);
 */
export function addGuard(
  doc: Y.Doc,
  name: string,
  expr: string,
  origin?: unknown,
  transition?: string,
): boolean {
  const { guards, transitions } = docParts(doc);
  if (guards.has(name)) return false;
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('expr', new Y.Text(expr));
    guards.set(name, m);
    if (transition !== undefined) transitions.get(transition)?.set('guard', name);
  }, origin);
  return true;
}

/** The transitions (document ids) whose guard is `name`, as this peer sees them. */
export function guardUsage(doc: Y.Doc, name: string): string[] {
  return [...docParts(doc).transitions.entries()]
    .filter(([, m]) => m instanceof Y.Map && refName(m.get('guard')) === name)
    .map(([id]) => id);
}

/**
 * Deletes a guard and clears it from the transitions that use it (they then fire whenever their
 * event comes), in one transaction; returns those transitions. A transition a colleague guards
 * with it concurrently keeps the name, and `parseSpec` reports it at its path.
 */
export function deleteGuard(doc: Y.Doc, name: string, origin?: unknown): string[] {
  const used = guardUsage(doc, name);
  const { guards, transitions } = docParts(doc);
  doc.transact(() => {
    guards.delete(name);
    for (const id of used) transitions.get(id)?.delete('guard');
  }, origin);
  return used;
}

/**
 * Adds an action that assigns nothing yet (`assign: {}`), and, with `transition`, appends it to
 * that transition's actions in the same transaction. Returns false when the name is taken.
 */
export function addAction(doc: Y.Doc, name: string, origin?: unknown, transition?: string): boolean {
  const { actions, transitions } = docParts(doc);
  if (actions.has(name)) return false;
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('assign', new Y.Map<Y.Text>());
    actions.set(name, m);
    const t = transition === undefined ? undefined : transitions.get(transition);
    if (t) t.set('actions', [...refList(t.get('actions')), name]);
  }, origin);
  return true;
}

/** A value that is a reference or a list of them, as a list. */
function refList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
}

/**
 * Adds the assignment `field ← expr` to an action (its text shared like every expression). An
 * existing assignment of that field keeps its text: a colleague may be typing in it. Returns false
 * when the action is not an assigning action.
 */
export function setAssignment(
  doc: Y.Doc,
  action: string,
  field: string,
  expr: string,
  origin?: unknown,
): boolean {
  const assign = docParts(doc).actions.get(action)?.get('assign');
  if (!(assign instanceof Y.Map)) return false;
  if (!assign.has(field)) doc.transact(() => assign.set(field, new Y.Text(expr)), origin);
  return true;
}

/** Removes the assignment of `field` from an action. */
export function deleteAssignment(doc: Y.Doc, action: string, field: string, origin?: unknown): void {
  const assign = docParts(doc).actions.get(action)?.get('assign');
  if (assign instanceof Y.Map) doc.transact(() => assign.delete(field), origin);
}

/** What runs an action: transitions, and states (null: the machine) that run it on entry or exit. */
export interface ActionUsage {
  transitions: string[];
  states: (string | null)[];
}

const usesAction = (value: unknown, name: string) => refList(value).some((r) => refName(r) === name);

/** Who runs the action `name`, as this peer sees the document. */
export function actionUsage(doc: Y.Doc, name: string): ActionUsage {
  const { transitions, states, machine } = docParts(doc);
  const runs = (m: Y.Map<unknown>) => usesAction(m.get('entry'), name) || usesAction(m.get('exit'), name);
  return {
    transitions: [...transitions.entries()]
      .filter(([, m]) => m instanceof Y.Map && usesAction(m.get('actions'), name))
      .map(([id]) => id),
    states: [
      ...(runs(machine) ? [null] : []),
      ...[...states.entries()].filter(([, m]) => m instanceof Y.Map && runs(m)).map(([id]) => id),
    ],
  };
}

/** Writes `field` of `m` without the references to `name` (left out when none remain). */
function dropRef(m: Y.Map<unknown>, field: string, name: string): void {
  if (!usesAction(m.get(field), name)) return;
  const rest = refList(m.get(field)).filter((r) => refName(r) !== name);
  if (rest.length === 0) m.delete(field);
  else m.set(field, plainJson(rest));
}

/**
 * Deletes an action and takes it off every transition, entry and exit that runs it, in one
 * transaction; returns what ran it.
 */
export function deleteAction(doc: Y.Doc, name: string, origin?: unknown): ActionUsage {
  const used = actionUsage(doc, name);
  const { actions, transitions, states, machine } = docParts(doc);
  doc.transact(() => {
    actions.delete(name);
    for (const id of used.transitions) {
      const m = transitions.get(id);
      if (m) dropRef(m, 'actions', name);
    }
    for (const id of used.states) {
      const m = id === null ? machine : states.get(id);
      if (!m) continue;
      dropRef(m, 'entry', name);
      dropRef(m, 'exit', name);
    }
  }, origin);
  return used;
}

/** The kinds of reward rule GymSpec has; a rule is exactly one of them. */
export const REWARD_KINDS = ['onEnter', 'perStep', 'when', 'expr', 'module'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

/** A reward rule as the panel adds it. */
export type NewRewardRule = { name?: string } & (
  | { kind: 'onEnter'; state: string; value: number; transient?: boolean }
  | { kind: 'perStep'; value: number }
  | { kind: 'when'; when: string; value: number }
  | { kind: 'expr'; expr: string }
  | { kind: 'module'; module: string }
);

/** The kind of a rule in the document (its first kind field), or undefined for none. */
export function rewardKind(m: FieldMap): RewardKind | undefined {
  return REWARD_KINDS.find((k) => m.has(k));
}

/**
 * Appends a reward rule, after every current one (`order`, as in schema.ts); returns its element
 * id. `when` and `expr` are `Y.Text`, edited like every expression.
 *
 * @example
 * addRewardRule(doc, { kind: 'onEnter', state: 'resolved', value: 1, name: 'solved' }, localOrigin);
 */
export function addRewardRule(doc: Y.Doc, rule: NewRewardRule, origin?: unknown): string {
  const { rewardRules } = docParts(doc);
  const id = newId(doc);
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('order', nextOrder(rewardRules));
    if (rule.name) m.set('name', rule.name);
    switch (rule.kind) {
      case 'onEnter':
        m.set('onEnter', rule.state);
        m.set('value', rule.value);
        if (rule.transient) m.set('transient', true);
        break;
      case 'perStep':
        m.set('perStep', rule.value);
        break;
      case 'when':
        m.set('when', new Y.Text(rule.when));
        m.set('value', rule.value);
        break;
      case 'expr':
        m.set('expr', new Y.Text(rule.expr));
        break;
      case 'module':
        m.set('module', rule.module);
        break;
    }
    rewardRules.set(id, m);
  }, origin);
  return id;
}

/** Deletes a reward rule; the others keep their `order` (the list stays sorted). */
export function deleteRewardRule(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => docParts(doc).rewardRules.delete(id), origin);
}

/**
 * Writes one plain field of a reward rule: its `name`, the state it pays on entering, its value,
 * a per-step amount, `transient`, or a module function (undefined deletes the field; a rule's
 * kind is not changed here).
 */
export function setRewardField(
  doc: Y.Doc,
  id: string,
  field: 'name' | 'onEnter' | 'value' | 'perStep' | 'transient' | 'module',
  value: string | number | boolean | undefined,
  origin?: unknown,
): void {
  doc.transact(() => {
    const m = docParts(doc).rewardRules.get(id);
    if (!m) return;
    if (value === undefined || value === '' || value === false) m.delete(field);
    else m.set(field, value);
  }, origin);
}

/** A code file's name: a `.js` module at the bundle's top level (GymSpec's `file.js#name`). */
export const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,60}\.js$/;

/** Why `name` cannot name a new code file among `taken`, or undefined. */
export function fileNameProblem(name: string, taken: Iterable<string>): string | undefined {
  if (!FILE_NAME.test(name))
    return `"${name}" is not a module file name: letters, digits, _, - and ., ending in .js (policy.js)`;
  for (const t of taken) if (t === name) return `there is already a file named "${name}"`;
  return undefined;
}

/** The text a new code file starts with: how its functions are named, and the argument they get. */
export const NEW_FILE_SOURCE = `// Export functions here and name them in the spec as "FILE#function": a guard, an action,
// a reward rule, the observation or the task generator. A guard or an action gets one argument,
// { context, event, params, task, step }, and returns JSON. For example:
//
// export function isEligible({ context, task }) {
//   return context.ageDays <= task.data.windowDays;
// }
`;

/**
 * Adds a code file (source `NEW_FILE_SOURCE` naming it, unless given); returns false when a file
 * of that name exists.
 */
export function addFile(doc: Y.Doc, name: string, origin?: unknown, source?: string): boolean {
  const { files } = docParts(doc);
  if (files.has(name)) return false;
  doc.transact(() => files.set(name, new Y.Text(source ?? NEW_FILE_SOURCE.replace('FILE', name))), origin);
  return true;
}

/**
 * What names a function of the file `name` (`name#fn`), in words: `guard isPaid`, `action pay`,
 * `reward rule 2` (its position), `the observation`, `the task generator`.
 */
export function fileUsage(doc: Y.Doc, name: string): string[] {
  const { guards, actions, rewardRules, observation, header } = docParts(doc);
  const inFile = (ref: unknown) => typeof ref === 'string' && ref.startsWith(`${name}#`);
  const out: string[] = [];
  for (const [g, m] of guards.entries())
    if (m instanceof Y.Map && inFile(m.get('module'))) out.push(`guard ${g}`);
  for (const [a, m] of actions.entries())
    if (m instanceof Y.Map && inFile(m.get('module'))) out.push(`action ${a}`);
  ordered(rewardRules).forEach(([, m], i) => {
    if (inFile(m.get('module'))) out.push(`reward rule ${i + 1}`);
  });
  if (inFile(observation.get('module'))) out.push('the observation');
  const generator = header.get('tasksModule');
  if (isObject(generator) && inFile(generator.module)) out.push('the task generator');
  return out;
}

/**
 * Deletes a code file, unless something names one of its functions (then nothing is written and
 * the users are returned, as `fileUsage` words them).
 */
export function deleteFile(doc: Y.Doc, name: string, origin?: unknown): string[] {
  const used = fileUsage(doc, name);
  if (used.length === 0) doc.transact(() => docParts(doc).files.delete(name), origin);
  return used;
}
