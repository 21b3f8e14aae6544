/**
 * The assistant's edits to the environment's lists: tasks and tools. Elements are field maps keyed
 * by a fresh id with an `order` (see `doc/schema.ts`), written in one transaction with
 * `assistantOrigin`. (Small helpers of our own: the panel's field edits live with the panel.)
 */
import * as Y from 'yjs';
import { assistantOrigin } from '../collab/undo.ts';
import { docParts, type FieldMap, newId } from '../doc/schema.ts';
import type { ToolEffect } from './machineTools.ts';
import { bad, IDENT, named, optObject, optString, reqString } from './toolArgs.ts';

type Json = Record<string, unknown>;

/** Tasks one call may add. */
export const MAX_TASKS_PER_CALL = 500;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A plain JSON copy (Yjs keeps no reference to the model's objects). */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

function nextOrder(map: Y.Map<FieldMap>): number {
  let max = -1;
  for (const m of map.values()) max = Math.max(max, Number(m.get('order') ?? 0));
  return max + 1;
}

function fieldMap(fields: Json): FieldMap {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) m.set(k, plain(v));
  return m;
}

/** A task of an `add_tasks` call, checked. */
function taskOf(value: unknown, i: number): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad(`tasks[${i}] must be an object`);
  const t = value as Json;
  const at = (msg: string) => bad(`tasks[${i}]: ${msg}`);
  if (typeof t.id !== 'string' || t.id.trim() === '') at('"id" must be a non-empty string');
  if (typeof t.instructions !== 'string') at('"instructions" must be a string');
  for (const k of ['context', 'data'] as const)
    if (t[k] !== undefined && (typeof t[k] !== 'object' || t[k] === null || Array.isArray(t[k])))
      at(`"${k}" must be a JSON object`);
  if (t.split !== undefined && t.split !== 'train' && t.split !== 'eval')
    at('"split" must be "train" or "eval"');
  const extra = Object.keys(t).filter((k) => !['id', 'instructions', 'context', 'data', 'split'].includes(k));
  if (extra.length > 0) at(`unknown field(s) ${extra.join(', ')}`);
  return { id: t.id, instructions: t.instructions, context: t.context, data: t.data, split: t.split };
}

export function addTasksTool(doc: Y.Doc, args: Json): ToolEffect {
  const list = args.tasks;
  if (!Array.isArray(list) || list.length === 0) bad('"tasks" must be a non-empty list');
  if (list.length > MAX_TASKS_PER_CALL) bad(`at most ${MAX_TASKS_PER_CALL} tasks per call; split them`);
  const parts = docParts(doc);
  if (parts.header.get('tasksModule') !== undefined)
    bad('this environment generates its tasks with a module: tasks cannot be listed');
  const tasks = list.map(taskOf);
  const taken = new Set([...parts.tasks.values()].map((m) => String(m.get('id'))));
  for (const t of tasks) {
    if (taken.has(t.id as string))
      bad(`a task with id "${String(t.id)}" exists already (or is twice in the list)`);
    taken.add(t.id as string);
  }
  const first = nextOrder(parts.tasks);
  const ids: string[] = [];
  doc.transact(() => {
    tasks.forEach((t, i) => {
      const id = newId(doc);
      ids.push(id);
      parts.tasks.set(id, fieldMap({ order: first + i, ...t }));
    });
  }, assistantOrigin);
  return {
    result: { added: tasks.length, total: parts.tasks.size },
    effect: `added ${tasks.length} task${tasks.length === 1 ? '' : 's'} (${tasks
      .slice(0, 3)
      .map((t) => String(t.id))
      .join(', ')}${tasks.length > 3 ? ', …' : ''}); ${parts.tasks.size} in all`,
  };
}

/** A JSON schema argument: an object with `type: "object"`. */
function schemaArg(args: Json): Json | undefined {
  const p = optObject(args, 'parameters');
  if (p !== undefined && p.type !== 'object') bad('"parameters" must be a JSON schema with "type": "object"');
  return p;
}

/** The tool a `tool` argument names: its element id, or its name. */
function toolOf(doc: Y.Doc, ref: string): [string, FieldMap] {
  const { tools } = docParts(doc);
  const byId = tools.get(ref);
  if (byId) return [ref, byId];
  for (const [id, m] of tools.entries()) if (m.get('name') === ref) return [id, m];
  const names = [...tools.values()].map((m) => String(m.get('name'))).join(', ');
  return bad(`no tool "${ref}"; tools are: ${names || '(none)'}`);
}

export function addToolTool(doc: Y.Doc, args: Json): ToolEffect {
  const name = reqString(args, 'name');
  if (!TOOL_NAME.test(name)) bad(`tool name "${name}" is not valid: 1-64 letters, digits, _ or -`);
  const description = reqString(args, 'description');
  const event = named(
    reqString(args, 'event'),
    IDENT,
    'event',
    'letters, digits and _, not starting with a digit',
  );
  const parameters = schemaArg(args) ?? { type: 'object', properties: {} };
  const { tools } = docParts(doc);
  if ([...tools.values()].some((m) => m.get('name') === name)) bad(`a tool named "${name}" exists already`);
  const id = newId(doc);
  doc.transact(() => {
    tools.set(id, fieldMap({ order: nextOrder(tools), name, description, parameters, event }));
  }, assistantOrigin);
  return { result: { id, name }, effect: `added tool "${name}" (sends ${event})` };
}

export function editToolTool(doc: Y.Doc, args: Json): ToolEffect {
  const [id, m] = toolOf(doc, reqString(args, 'tool'));
  const name = optString(args, 'name');
  if (name !== undefined && !TOOL_NAME.test(name))
    bad(`tool name "${name}" is not valid: 1-64 letters, digits, _ or -`);
  if (
    name !== undefined &&
    [...docParts(doc).tools.entries()].some(([k, t]) => k !== id && t.get('name') === name)
  )
    bad(`a tool named "${name}" exists already`);
  const description = optString(args, 'description');
  if (description !== undefined && description.trim() === '') bad('"description" cannot be empty');
  const eventArg = optString(args, 'event');
  const event =
    eventArg === undefined
      ? undefined
      : named(eventArg, IDENT, 'event', 'letters, digits and _, not starting with a digit');
  const parameters = schemaArg(args);
  const changes = { name, description, event, parameters };
  const changed = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (changed.length === 0) bad('give at least one of name, description, event, parameters');
  const before = String(m.get('name'));
  doc.transact(() => {
    for (const [k, v] of changed) m.set(k, plain(v));
  }, assistantOrigin);
  return {
    result: { id, name: m.get('name') },
    effect: `changed tool "${before}": ${changed.map(([k]) => k).join(', ')}`,
  };
}
