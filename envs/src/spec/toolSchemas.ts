import { Ajv, type ErrorObject } from 'ajv';
import type { SpecIssue } from '../errors.ts';
import { jsonPath } from './jsonPath.ts';
import type { ToolSpec } from './schema.ts';

/**
 * A tool's `parameters` (and the optional `context.schema`) are JSON Schemas that the kernel
 * compiles with ajv, to check every call's arguments (and the context after every step). An
 * invalid one used to surface only when the environment was built, as a statechart error pointing
 * at `$.machine`. Here each is checked against the JSON Schema meta-schema and compiled, at parse
 * time, with the kernel's ajv options (`allErrors`, `strict: false`), and a problem is reported at
 * its path inside `$.tools[i].parameters` (or `$.context.schema`).
 */
const ajv = new Ajv({ allErrors: true, strict: false, logger: false });

/**
 * @example
 * toolSchemaIssues([{ name: 'go', …, parameters: { type: 'object', properties: { x: { type: 'strng' } } } }])
 * // [{ path: '$.tools[0].parameters.properties.x.type', message: 'invalid JSON Schema: "type" must be one of …' }]
 */
export function toolSchemaIssues(tools: readonly ToolSpec[]): SpecIssue[] {
  return tools.flatMap((tool, i) => jsonSchemaIssues(tool.parameters, ['tools', i, 'parameters']));
}

/** The problems of one JSON Schema found at `base` in the spec. */
export function jsonSchemaIssues(schema: unknown, base: PropertyKey[]): SpecIssue[] {
  return schemaProblems(schema).map(({ at, ...p }) => ({ ...p, path: jsonPath([...base, ...at]) }));
}

type Problem = Omit<SpecIssue, 'path'> & { at: PropertyKey[] };

/**
 * Compiling a schema costs ~1 ms; the same tools are parsed again and again (every load, every
 * worker), so verdicts are kept by the schema's JSON text. The verdict is a pure function of it.
 */
const verdicts = new Map<string, Problem[]>();
const MAX_VERDICTS = 512;

function schemaProblems(parameters: unknown): Problem[] {
  const key = JSON.stringify(parameters);
  const known = verdicts.get(key);
  if (known) return known;
  const schema = parameters as Record<string, unknown>;
  let problems: Problem[];
  if (!ajv.validateSchema(schema)) problems = metaSchemaIssues(ajv.errors ?? [], schema);
  else
    try {
      ajv.compile(schema);
      problems = [];
    } catch (e) {
      problems = [compileIssue(e as Error & { missingRef?: string }, schema)];
    } finally {
      // The instance is shared by every spec parsed in this process: keep no schema (and no $id).
      ajv.removeSchema(schema);
    }
  if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
  verdicts.set(key, problems);
  return problems;
}

const HINT = 'this is a JSON Schema (draft-07): fix the keyword at this path';

/** Meta-schema errors, one per path: ajv says "must match a schema in anyOf" beside the real reason. */
function metaSchemaIssues(errors: ErrorObject[], schema: unknown): Problem[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  return [...byPath].map(([pointer, errs]) => {
    const segments = fromPointer(pointer);
    const best =
      errs.find((e) => e.keyword === 'enum') ??
      errs.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf') ??
      errs[0]!;
    const value = valueAt(schema, segments);
    const allowed = (best.params as { allowedValues?: unknown[] }).allowedValues;
    const message = allowed
      ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
      : (best.message ?? 'is not valid');
    const keyword = segments[segments.length - 1];
    return {
      at: segments,
      message: `invalid JSON Schema: ${keyword === undefined ? 'the schema' : `"${String(keyword)}"`} ${message} (got ${short(value)})`,
      hint: HINT,
    };
  });
}

/** A schema that passes the meta-schema and still does not compile: an unresolved `$ref`, a bad `pattern`. */
function compileIssue(e: Error & { missingRef?: string }, schema: unknown): Problem {
  if (e.missingRef !== undefined) {
    const at = findKey(schema, (k, v) => k === '$ref' && typeof v === 'string' && e.missingRef!.endsWith(v));
    return {
      at: at ?? [],
      message: `invalid JSON Schema: "$ref" ${JSON.stringify(e.missingRef)} does not resolve`,
      hint: 'point $ref at a definition inside this schema (e.g. "#/definitions/name" with "definitions": { "name": … })',
    };
  }
  const badPattern = findKey(schema, (k, v) => k === 'pattern' && typeof v === 'string' && !isRegExp(v));
  if (badPattern)
    return {
      at: badPattern,
      message: `invalid JSON Schema: "pattern" is not a regular expression: ${e.message}`,
      hint: 'write an ECMAScript regular expression (ajv compiles it with the "u" flag); escape backslashes in JSON ("\\\\d")',
    };
  return { at: [], message: `invalid JSON Schema: ${e.message}`, hint: HINT };
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

/** `/properties/a~1b/0` → `['properties', 'a/b', 0]` (array indices as numbers). */
function fromPointer(pointer: string): PropertyKey[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Path of the first key (depth first) for which `match` holds, iteratively. */
function findKey(value: unknown, match: (key: string, v: unknown) => boolean): PropertyKey[] | undefined {
  const stack: { v: unknown; path: PropertyKey[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    const entries: [PropertyKey, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v as Record<string, unknown>);
    for (const [k, child] of entries) if (typeof k === 'string' && match(k, child)) return [...path, k];
    for (const [k, child] of entries.reverse()) stack.push({ v: child, path: [...path, k] });
  }
  return undefined;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
