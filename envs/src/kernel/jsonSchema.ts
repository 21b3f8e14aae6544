import { Ajv, type ValidateFunction } from 'ajv';

// What a JSON schema allows, read as the kernel reads a tool's parameters (ajv, draft-07,
// `strict: false`): the parts the action samplers (`sample.ts`, `sampleInvalid.ts`) share. The
// samplers build values from these readings and leave the last word to `validatorOf`.

/** A JSON schema object (`true` and `false` schemas are read by `resolve`). */
export type Schema = Record<string, unknown>;

/** The kernel's ajv semantics (draft-07, `strict: false`), without its warnings or its schema registry. */
const ajv = new Ajv({ strict: false, logger: false, addUsedSchema: false });
const validators = new WeakMap<object, ValidateFunction | null>();

/** A compiled validator of a (sub)schema; null when it does not compile alone (a `$ref` into its root). */
export function validatorOf(schema: unknown): ValidateFunction | null {
  if (typeof schema !== 'object' || schema === null) return null;
  let v = validators.get(schema);
  if (v === undefined) {
    try {
      v = ajv.compile(schema as Schema);
    } catch {
      v = null;
    }
    // ajv keeps every schema it compiled in a Map; merged schemas are new objects at every draw,
    // so its copy would grow without end. Ours is weak: it goes with the schema.
    ajv.removeSchema(schema as Schema);
    validators.set(schema, v);
  }
  return v;
}

/** True when `value` passes `schema`, or when the schema cannot be checked on its own. */
export function conforms(schema: Schema, value: unknown): boolean {
  const v = validatorOf(schema);
  return v === null || v(value) === true;
}

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** A keyword's value when it is a finite number. */
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** A local JSON pointer (`#/$defs/x`) into the root; undefined for anything else. */
function pointer(root: Schema, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Two schemas a value must both pass, as one (best effort: what the sampler reads; ajv checks the rest). */
export function merge(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a, ...b };
  if (isObject(a.properties) && isObject(b.properties)) out.properties = { ...a.properties, ...b.properties };
  if (Array.isArray(a.required) && Array.isArray(b.required))
    out.required = [...new Set([...a.required, ...b.required])];
  for (const k of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'])
    if (num(a[k]) !== undefined && num(b[k]) !== undefined) out[k] = Math.max(a[k] as number, b[k] as number);
  for (const k of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'])
    if (num(a[k]) !== undefined && num(b[k]) !== undefined) out[k] = Math.min(a[k] as number, b[k] as number);
  if (Array.isArray(a.enum) && Array.isArray(b.enum)) {
    const keep = new Set(b.enum.map(stableKey));
    out.enum = a.enum.filter((v) => keep.has(stableKey(v)));
  }
  return out;
}

/** `schema` with its `$ref`s (local ones, into `root`) and `allOf` folded in. */
export function resolve(schema: unknown, root: Schema, hops = 0): Schema {
  if (schema === true || schema === undefined) return {};
  if (!isObject(schema)) return { not: {} }; // `false`: nothing passes
  let s = schema;
  if (typeof s.$ref === 'string' && hops < 32) {
    const { $ref, ...rest } = s;
    s = merge(resolve(pointer(root, $ref), root, hops + 1), rest);
  }
  if (Array.isArray(s.allOf) && hops < 32) {
    const { allOf, ...rest } = s;
    s = (allOf as unknown[]).reduce<Schema>((acc, part) => merge(acc, resolve(part, root, hops + 1)), rest);
  }
  return s;
}

/** The types a schema allows, inferred from its keywords when it names none (none at all: `null`). */
export function typesOf(s: Schema): string[] {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type) && s.type.length > 0) return s.type as string[];
  const has = (...keys: string[]) => keys.some((k) => s[k] !== undefined);
  if (has('properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties'))
    return ['object'];
  if (has('items', 'minItems', 'maxItems', 'uniqueItems', 'contains')) return ['array'];
  if (has('minLength', 'maxLength', 'pattern', 'format')) return ['string'];
  if (has('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf')) return ['number'];
  return ['null'];
}

/** The schema a property named `key` must pass: its own, a matching pattern's, or the additional one. */
export function propertySchema(s: Schema, key: string): unknown {
  if (isObject(s.properties) && key in s.properties) return s.properties[key];
  if (isObject(s.patternProperties))
    for (const [p, ps] of Object.entries(s.patternProperties)) if (safeRegex(p)?.test(key)) return ps;
  return isObject(s.additionalProperties) ? s.additionalProperties : {};
}

/** A key equal for deep-equal JSON values whatever their key order (what `uniqueItems` compares). */
export function stableKey(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableKey).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableKey(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/** A `pattern` as ajv compiles it (Unicode mode); undefined when it does not compile. */
export function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u'); // ajv's flags
  } catch {
    return undefined;
  }
}
