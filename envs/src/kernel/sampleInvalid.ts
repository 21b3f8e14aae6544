import { isObject, num, propertySchema, resolve, type Schema, typesOf, validatorOf } from './jsonSchema.ts';
import type { Prng } from './prng.ts';

/**
 * `args` (valid arguments of `schema`, from `sampleArguments`) with one constraint of the schema
 * broken: a required property dropped, an unexpected one added, a property of the wrong type, out
 * of range, too short or too long, not in its enum. The breakages are tried in an order drawn from
 * `rng` and the first one the schema refuses is returned; undefined when none is refused (a schema
 * that accepts every object). What `SampleOptions.invalidRate` asks for.
 *
 * @example
 * breakArguments(tool.parameters, { reason: 'check later' }, rng) // e.g. { reason: 'xx' } for minLength 3
 */
export function breakArguments(
  schema: Schema,
  args: Record<string, unknown>,
  rng: Prng,
): Record<string, unknown> | undefined {
  const check = validatorOf(schema);
  if (check === null) return undefined;
  const candidates = breakages(resolve(schema, schema), args, schema);
  while (candidates.length > 0) {
    const [candidate] = candidates.splice(rng.int(candidates.length), 1);
    if (!check(candidate)) return candidate;
  }
  return undefined;
}

/** Values that break one constraint of a property schema (some may still pass: the caller checks). */
function badValues(s: Schema): unknown[] {
  const out: unknown[] = [];
  const types = typesOf(s);
  const allowed = (t: string) =>
    types.includes(t) || (t === 'integer' && types.includes('number')) || s.type === undefined;
  for (const [t, v] of [
    ['string', 'x'],
    ['integer', 7],
    ['boolean', true],
    ['null', null],
    ['array', []],
    ['object', {}],
  ] as const)
    if (!allowed(t)) {
      out.push(v);
      break;
    }
  if (types.length === 1 && types[0] === 'integer') out.push(0.5);
  if (Array.isArray(s.enum) || 'const' in s) out.push('\u0000not-allowed', -1234567);
  const min = num(s.minLength);
  const max = num(s.maxLength);
  if (min !== undefined && min > 0) out.push('x'.repeat(min - 1));
  if (max !== undefined && max < 100_000) out.push('x'.repeat(max + 1));
  if (typeof s.pattern === 'string') out.push('', ' ', '\u0000');
  for (const k of ['minimum', 'exclusiveMinimum'] as const)
    if (num(s[k]) !== undefined) out.push((s[k] as number) - 1);
  for (const k of ['maximum', 'exclusiveMaximum'] as const)
    if (num(s[k]) !== undefined) out.push((s[k] as number) + 1);
  if (num(s.multipleOf) !== undefined) out.push((s.multipleOf as number) / 2);
  if ((num(s.minItems) ?? 0) > 0) out.push([]);
  if (num(s.maxItems) !== undefined && (s.maxItems as number) < 1000)
    out.push(Array.from({ length: (s.maxItems as number) + 1 }, () => null));
  return out;
}

/** Copies of `base` with one constraint of the object schema `s` broken. */
function breakages(s: Schema, base: Record<string, unknown>, root: Schema): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const required = Array.isArray(s.required)
    ? s.required.filter((k): k is string => typeof k === 'string')
    : [];
  for (const k of required) {
    const { [k]: _, ...rest } = base;
    out.push(rest);
  }
  if (s.additionalProperties === false) {
    let extra = 'unexpected';
    while (isObject(s.properties) && extra in s.properties) extra += '_';
    out.push({ ...base, [extra]: 'x' });
  }
  const declared = isObject(s.properties) ? Object.keys(s.properties) : [];
  for (const k of declared)
    for (const v of badValues(resolve(propertySchema(s, k), root))) out.push({ ...base, [k]: v });
  return out;
}
