/**
 * A tool's `parameters` (a JSON schema of `type: object`, as GymSpec allows) as form fields, and
 * the two directions between a form and the arguments object: the text each input holds
 * (`draftsOf`) and the arguments those texts make (`argumentsOf`). Pure: the form component and
 * its tests share it. Checking the arguments is the kernel's job (`Simulator.argumentErrors`);
 * here only what an input cannot hold is a problem (a number that is not one, a JSON field that
 * does not parse).
 */

/** How a property is edited. Arrays, objects and anything the form cannot type are a JSON textarea. */
export type FieldKind = 'text' | 'select' | 'number' | 'checkbox' | 'json';

export interface FormField {
  /** The property's name: the key in the arguments object. */
  name: string;
  kind: FieldKind;
  required: boolean;
  /** The schema's `title`, else the property name. */
  label: string;
  /** The schema's `description`: help text under the input. */
  description?: string;
  /** `select`: the allowed values (the schema's `enum`). */
  options?: readonly (string | number | boolean | null)[];
  /** `number`: bounds and step from the schema (`integer` steps by 1). */
  min?: number;
  max?: number;
  step?: number | 'any';
  /** `text`: length bounds from the schema. */
  minLength?: number;
  maxLength?: number;
}

type PropertySchema = {
  type?: unknown;
  enum?: unknown;
  title?: unknown;
  description?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  exclusiveMinimum?: unknown;
  exclusiveMaximum?: unknown;
  minLength?: unknown;
  maxLength?: unknown;
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isPrimitive = (v: unknown): v is string | number | boolean | null =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** One property's field. */
function fieldOf(name: string, raw: unknown, required: boolean): FormField {
  const p = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as PropertySchema;
  const base: FormField = {
    name,
    kind: 'json',
    required,
    label: typeof p.title === 'string' && p.title ? p.title : name,
    ...(typeof p.description === 'string' && p.description ? { description: p.description } : {}),
  };
  if (Array.isArray(p.enum) && p.enum.length > 0 && p.enum.every(isPrimitive))
    return { ...base, kind: 'select', options: p.enum };
  if (p.type === 'string') {
    const minLength = num(p.minLength);
    const maxLength = num(p.maxLength);
    return {
      ...base,
      kind: 'text',
      ...(minLength === undefined ? {} : { minLength }),
      ...(maxLength === undefined ? {} : { maxLength }),
    };
  }
  if (p.type === 'number' || p.type === 'integer') {
    // An exclusive bound is no HTML bound: the kernel says so when it is hit.
    const min = num(p.minimum);
    const max = num(p.maximum);
    return {
      ...base,
      kind: 'number',
      step: p.type === 'integer' ? 1 : 'any',
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
    };
  }
  if (p.type === 'boolean') return { ...base, kind: 'checkbox' };
  return base;
}

/**
 * The fields of a tool's parameters, in the order of its `properties`.
 *
 * @example
 * fieldsOf({ type: 'object', properties: { times: { type: 'integer', minimum: 1 } }, required: ['times'] });
 * // [{ name: 'times', kind: 'number', required: true, label: 'times', step: 1, min: 1 }]
 */
export function fieldsOf(parameters: unknown): FormField[] {
  const schema = (parameters && typeof parameters === 'object' ? parameters : {}) as {
    properties?: unknown;
    required?: unknown;
  };
  const properties =
    schema.properties && typeof schema.properties === 'object' && !Array.isArray(schema.properties)
      ? (schema.properties as Record<string, unknown>)
      : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(properties).map(([name, p]) => fieldOf(name, p, required.has(name)));
}

/** What each input holds, by field name: its text (a checkbox: `'true'`, `'false'` or `''` for absent). */
export type Drafts = Record<string, string>;

/** The option value of an enum member in a `<select>` (its JSON, so `1` and `"1"` stay apart). */
export const optionValue = (v: unknown) => JSON.stringify(v);

/**
 * The inputs' texts for an arguments object. A value the input cannot show as it is (a string in
 * a number field, a value outside an enum) goes to the field as JSON, and the field says so.
 */
export function draftsOf(fields: readonly FormField[], value: Record<string, unknown>): Drafts {
  const drafts: Drafts = {};
  for (const f of fields) {
    const v = value[f.name];
    if (v === undefined) drafts[f.name] = '';
    else if (f.kind === 'text') drafts[f.name] = typeof v === 'string' ? v : JSON.stringify(v);
    else if (f.kind === 'number') drafts[f.name] = typeof v === 'number' ? String(v) : JSON.stringify(v);
    else if (f.kind === 'checkbox') drafts[f.name] = v === true ? 'true' : v === false ? 'false' : '';
    else if (f.kind === 'select') drafts[f.name] = optionValue(v);
    else drafts[f.name] = JSON.stringify(v, null, 2);
  }
  return drafts;
}

/** The arguments the inputs make, and what an input holds that is no value (by field name). */
export interface FormArguments {
  value: Record<string, unknown>;
  problems: Record<string, string>;
}

/**
 * The arguments object the inputs' texts make. `base` keeps the properties the form has no field
 * for (extra keys typed in the JSON view). An empty input leaves its property out, except a
 * required text field, which sends `""` (the kernel says if that is too short).
 *
 * @example
 * argumentsOf(fieldsOf(params), { times: '3' }).value; // { times: 3 }
 */
export function argumentsOf(
  fields: readonly FormField[],
  drafts: Drafts,
  base: Record<string, unknown> = {},
): FormArguments {
  const value: Record<string, unknown> = { ...base };
  const problems: Record<string, string> = {};
  for (const f of fields) {
    delete value[f.name];
    const text = drafts[f.name] ?? '';
    if (f.kind === 'text') {
      if (text !== '' || f.required) value[f.name] = text;
      continue;
    }
    if (text === '') continue;
    if (f.kind === 'checkbox') value[f.name] = text === 'true';
    else if (f.kind === 'number') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) problems[f.name] = `"${text}" is not a number`;
      else value[f.name] = n;
    } else
      try {
        value[f.name] = JSON.parse(text);
      } catch (e) {
        problems[f.name] = `not JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
  }
  return { value, problems };
}
