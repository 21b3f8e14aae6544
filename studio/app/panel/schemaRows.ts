/** One property of a tool's parameter schema, as the side panel lists it. */
export interface SchemaRow {
  /** Dotted path of the property: `orderId`, `address.city`, `items[].sku`. */
  path: string;
  /** Nesting depth, 0 for a top-level property. */
  depth: number;
  /** JSON Schema type(s), readable: `string`, `integer | null`, `array of string`, `enum`. */
  type: string;
  required: boolean;
  /** Enum values, limits, pattern, format, default, in words: `1 ≤ value ≤ 9`, `length 1–32`. */
  constraints: string[];
  description?: string;
}

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The properties of a JSON Schema object (a tool's `parameters`) as rows to read: each property
 * with its type, whether it is required, its constraints and description, nested objects and
 * arrays of objects flattened under dotted paths. No validation happens here; unknown keywords are
 * ignored.
 *
 * @example
 * schemaRows({ type: 'object', properties: { times: { type: 'integer', minimum: 1, maximum: 9 } }, required: ['times'] })
 * // [{ path: 'times', depth: 0, type: 'integer', required: true, constraints: ['≥ 1', '≤ 9'] }]
 */
export function schemaRows(schema: unknown, prefix = '', depth = 0): SchemaRow[] {
  if (!isSchema(schema) || !isSchema(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties).flatMap(([key, raw]) => {
    const property = isSchema(raw) ? raw : {};
    const path = prefix ? `${prefix}.${key}` : key;
    const row: SchemaRow = {
      path,
      depth,
      type: typeOf(property),
      required: required.has(key),
      constraints: constraintsOf(property),
      ...(typeof property.description === 'string' && { description: property.description }),
    };
    const items = isSchema(property.items) ? property.items : undefined;
    return [
      row,
      ...schemaRows(property, path, depth + 1),
      ...(items ? schemaRows(items, `${path}[]`, depth + 1) : []),
    ];
  });
}

/** The type as written: `type` (one or a list), else `enum`/`const`/`anyOf`, else `any`. */
export function typeOf(schema: Schema): string {
  const t = schema.type;
  if (Array.isArray(t)) return t.join(' | ');
  if (t === 'array') {
    const items = isSchema(schema.items) ? typeOf(schema.items) : 'any';
    return `array of ${items}`;
  }
  if (typeof t === 'string') return t;
  if (Array.isArray(schema.enum)) return 'enum';
  if ('const' in schema) return 'const';
  for (const k of ['anyOf', 'oneOf'] as const) {
    const list = schema[k];
    if (Array.isArray(list)) return list.map((s) => (isSchema(s) ? typeOf(s) : 'any')).join(' | ');
  }
  if (typeof schema.$ref === 'string') return schema.$ref;
  return 'any';
}

/** The constraints of one property, each in a few words. */
export function constraintsOf(schema: Schema): string[] {
  const out: string[] = [];
  const json = (v: unknown) => JSON.stringify(v);
  if (Array.isArray(schema.enum)) out.push(`one of ${schema.enum.map(json).join(', ')}`);
  if ('const' in schema) out.push(`exactly ${json(schema.const)}`);
  const limits: [string, string][] = [
    ['minimum', '≥'],
    ['exclusiveMinimum', '>'],
    ['maximum', '≤'],
    ['exclusiveMaximum', '<'],
  ];
  for (const [key, sign] of limits) if (typeof schema[key] === 'number') out.push(`${sign} ${schema[key]}`);
  if (typeof schema.multipleOf === 'number') out.push(`a multiple of ${schema.multipleOf}`);
  const range = (min: unknown, max: unknown, what: string) => {
    const lo = typeof min === 'number' ? min : undefined;
    const hi = typeof max === 'number' ? max : undefined;
    if (lo !== undefined && hi !== undefined) out.push(`${what} ${lo}–${hi}`);
    else if (lo !== undefined) out.push(`${what} ≥ ${lo}`);
    else if (hi !== undefined) out.push(`${what} ≤ ${hi}`);
  };
  range(schema.minLength, schema.maxLength, 'length');
  range(schema.minItems, schema.maxItems, 'items');
  if (schema.uniqueItems === true) out.push('unique items');
  if (typeof schema.pattern === 'string') out.push(`matches /${schema.pattern}/`);
  if (typeof schema.format === 'string') out.push(`format ${schema.format}`);
  if (schema.additionalProperties === false && isSchema(schema.properties)) out.push('no other properties');
  if ('default' in schema) out.push(`default ${json(schema.default)}`);
  return out;
}
