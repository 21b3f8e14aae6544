import * as Y from 'yjs';
import { plainJson } from './fromSpec.ts';
import { docParts, type FieldMap, newId } from './schema.ts';

/**
 * The side panel's edits of the document's lists and small forms: tools and their parameter
 * schemas, tasks (one, many from a CSV paste, or a generator module instead), limits and the
 * reward bounds. Each is one transaction with the caller's origin (`localOrigin` in the browser),
 * so the shared undo manager takes it back in one step. Tools and tasks are keyed maps (see
 * schema.ts): two people editing two tools or two tasks at once both keep their edit; within one
 * tool or task, each field (`description`, `parameters`, `data`, …) is written whole, last writer
 * wins, the same on every peer.
 */

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The largest `order` among `map`'s elements, plus one: appends after every current element. */
export function nextOrder(map: Y.Map<FieldMap>): number {
  let max = -1;
  for (const m of map.values()) if (m instanceof Y.Map) max = Math.max(max, Number(m.get('order') ?? 0));
  return max + 1;
}

/** A tool as the form adds it. */
export interface NewTool {
  name: string;
  event: string;
  description: string;
}

/**
 * Appends a tool with no parameters; returns its element id.
 *
 * @example
 * const id = addTool(doc, { name: 'lookup', event: 'LOOKUP', description: 'Finds an order' }, localOrigin);
 */
export function addTool(doc: Y.Doc, tool: NewTool, origin?: unknown): string {
  const { tools } = docParts(doc);
  const id = newId(doc);
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('order', nextOrder(tools));
    m.set('name', tool.name);
    m.set('description', tool.description);
    m.set('parameters', { type: 'object', properties: {} });
    m.set('event', tool.event);
    tools.set(id, m);
  }, origin);
  return id;
}

/** Deletes a tool. */
export function deleteTool(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => docParts(doc).tools.delete(id), origin);
}

/** Writes one of a tool's text fields (renaming it is writing its `name`). */
export function setToolField(
  doc: Y.Doc,
  id: string,
  field: 'name' | 'event' | 'description',
  value: string,
  origin?: unknown,
): void {
  doc.transact(() => docParts(doc).tools.get(id)?.set(field, value), origin);
}

/** The parameter types the form offers; `enum` is a string with a list of allowed values. */
export const PARAMETER_TYPES = ['string', 'integer', 'number', 'boolean', 'enum'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** One top-level parameter of a tool, as the form edits it. */
export interface ParameterForm {
  type: ParameterType;
  required: boolean;
  description?: string;
  /** `enum` only: the allowed values. */
  values?: string[];
  /** `string` only. */
  minLength?: number;
  maxLength?: number;
  /** `integer` and `number` only. */
  minimum?: number;
  maximum?: number;
}

/**
 * A property schema as the form reads it, or undefined when the form cannot edit it (an object, an
 * array, a union): such a property is listed but kept as written.
 */
export function parameterForm(property: unknown, required: boolean): ParameterForm | undefined {
  if (!isObject(property)) return undefined;
  const num = (k: string) => (typeof property[k] === 'number' ? (property[k] as number) : undefined);
  const description = typeof property.description === 'string' ? property.description : undefined;
  const base = { required, ...(description !== undefined && { description }) };
  if (Array.isArray(property.enum)) {
    if (!property.enum.every((v) => typeof v === 'string')) return undefined;
    return { ...base, type: 'enum', values: property.enum as string[] };
  }
  const t = property.type;
  if (t === 'string')
    return { ...base, type: 'string', minLength: num('minLength'), maxLength: num('maxLength') };
  if (t === 'integer' || t === 'number')
    return { ...base, type: t, minimum: num('minimum'), maximum: num('maximum') };
  if (t === 'boolean') return { ...base, type: 'boolean' };
  return undefined;
}

/** The JSON Schema of a parameter the form describes (undefined limits left out). */
export function parameterSchema(form: ParameterForm): Json {
  const out: Json = {};
  if (form.type === 'enum') {
    out.type = 'string';
    out.enum = [...(form.values ?? [])];
  } else out.type = form.type;
  if (form.type === 'string') {
    if (form.minLength !== undefined) out.minLength = form.minLength;
    if (form.maxLength !== undefined) out.maxLength = form.maxLength;
  }
  if (form.type === 'integer' || form.type === 'number') {
    if (form.minimum !== undefined) out.minimum = form.minimum;
    if (form.maximum !== undefined) out.maximum = form.maximum;
  }
  if (form.description) out.description = form.description;
  return out;
}

/** A tool's `parameters` as a plain object schema (`{ type: 'object' }` when it has none). */
function parametersOf(m: FieldMap): Json & { properties: Json; required: string[] } {
  const raw = plainJson(m.get('parameters'));
  const schema: Json = isObject(raw) ? raw : { type: 'object' };
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : [];
  return { ...schema, type: 'object', properties, required };
}

/** Writes a parameter schema back: `required` in property order, left out when empty. */
function writeParameters(m: FieldMap, schema: Json & { properties: Json; required: string[] }): void {
  const required = Object.keys(schema.properties).filter((k) => schema.required.includes(k));
  const { required: _, ...rest } = schema;
  m.set('parameters', required.length > 0 ? { ...rest, required } : rest);
}

/**
 * Adds or replaces the top-level parameter `name` of tool `id` (null deletes it). The tool's other
 * properties, and keywords the form does not know (`additionalProperties`, nested objects), are
 * kept as written.
 *
 * @example
 * setParameter(doc, toolId, 'orderId', { type: 'string', required: true, maxLength: 32 }, localOrigin);
 */
export function setParameter(
  doc: Y.Doc,
  id: string,
  name: string,
  form: ParameterForm | null,
  origin?: unknown,
): void {
  doc.transact(() => {
    const m = docParts(doc).tools.get(id);
    if (!m) return;
    const schema = parametersOf(m);
    if (form === null) {
      delete schema.properties[name];
      schema.required = schema.required.filter((r) => r !== name);
    } else {
      schema.properties[name] = parameterSchema(form);
      schema.required = form.required
        ? [...schema.required.filter((r) => r !== name), name]
        : schema.required.filter((r) => r !== name);
    }
    writeParameters(m, schema);
  }, origin);
}

/** Renames a parameter in place (its position among the properties and its `required` kept). */
export function renameParameter(doc: Y.Doc, id: string, from: string, to: string, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).tools.get(id);
    if (!m || from === to) return;
    const schema = parametersOf(m);
    if (!(from in schema.properties) || to in schema.properties) return;
    schema.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k === from ? to : k, v]),
    );
    schema.required = schema.required.map((r) => (r === from ? to : r));
    writeParameters(m, schema);
  }, origin);
}

/** A listed task as the table adds it. */
export interface NewTask {
  id: string;
  instructions?: string;
  split?: 'train' | 'eval';
  data?: Json;
}

function taskMap(task: NewTask, order: number): FieldMap {
  const m = new Y.Map<unknown>();
  m.set('order', order);
  m.set('id', task.id);
  m.set('instructions', task.instructions ?? '');
  if (task.data !== undefined && Object.keys(task.data).length > 0) m.set('data', plainJson(task.data));
  if (task.split !== undefined) m.set('split', task.split);
  return m;
}

/**
 * Appends tasks, in one transaction (a CSV paste is one undo step); returns their element ids.
 *
 * @example
 * addTasks(doc, tasksFromCsv('id,instructions\nt1,Refund it').tasks, localOrigin);
 */
export function addTasks(doc: Y.Doc, list: NewTask[], origin?: unknown): string[] {
  const { tasks } = docParts(doc);
  const ids = list.map(() => newId(doc));
  doc.transact(() => {
    const first = nextOrder(tasks);
    list.forEach((task, i) => {
      tasks.set(ids[i]!, taskMap(task, first + i));
    });
  }, origin);
  return ids;
}

/** Deletes a listed task. */
export function deleteTask(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => docParts(doc).tasks.delete(id), origin);
}

/** Writes a task's id, instructions or split (`split` undefined: the default, a training task). */
export function setTaskField(
  doc: Y.Doc,
  id: string,
  field: 'id' | 'instructions' | 'split',
  value: string | undefined,
  origin?: unknown,
): void {
  doc.transact(() => {
    const m = docParts(doc).tasks.get(id);
    if (!m) return;
    if (value === undefined) m.delete(field);
    else m.set(field, value);
  }, origin);
}

/** Writes a task's whole `data` object (undefined or empty: no data). */
export function setTaskData(doc: Y.Doc, id: string, data: Json | undefined, origin?: unknown): void {
  doc.transact(() => {
    const m = docParts(doc).tasks.get(id);
    if (!m) return;
    if (data === undefined || Object.keys(data).length === 0) m.delete('data');
    else m.set('data', plainJson(data));
  }, origin);
}

/** The generator alternative to a task list (`tasks: { module, count, split? }`). */
export interface TasksModule {
  module: string;
  count: number;
  split?: { eval: number };
}

/**
 * Switches the tasks to a seeded generator module (or back to the list, with null). The listed
 * tasks stay in the document while a module generates them, so switching back restores them.
 */
export function setTasksModule(doc: Y.Doc, tasksModule: TasksModule | null, origin?: unknown): void {
  doc.transact(() => {
    const { header } = docParts(doc);
    if (tasksModule === null) header.delete('tasksModule');
    else header.set('tasksModule', plainJson(tasksModule));
  }, origin);
}

/** The limits the form edits, as GymSpec names them. */
export const LIMIT_KEYS = [
  'maxSteps',
  'stepDeadlineMs',
  'memoryMb',
  'invalidActionPenalty',
  'maxObservationBytes',
] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

/** Sets one limit (undefined: GymSpec's default). Each limit is its own entry: two people, two limits. */
export function setLimit(doc: Y.Doc, key: LimitKey, value: number | undefined, origin?: unknown): void {
  doc.transact(() => {
    const { limits } = docParts(doc);
    if (value === undefined) limits.delete(key);
    else limits.set(key, value);
  }, origin);
}

/** Declares the bounds of an episode's return (undefined: none declared; the checker derives them). */
export function setRewardBounds(
  doc: Y.Doc,
  bounds: { min: number; max: number } | undefined,
  origin?: unknown,
): void {
  doc.transact(() => {
    const { header } = docParts(doc);
    if (bounds === undefined) header.delete('rewardBounds');
    else header.set('rewardBounds', { min: bounds.min, max: bounds.max });
  }, origin);
}
