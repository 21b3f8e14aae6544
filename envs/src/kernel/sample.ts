import randexp from 'randexp';
import { PalestraError } from '../errors.ts';
import type { GymSpec } from '../spec/schema.ts';
import {
  conforms,
  isObject,
  merge,
  num,
  propertySchema,
  resolve,
  type Schema,
  safeRegex,
  stableKey,
  typesOf,
  validatorOf,
} from './jsonSchema.ts';
import type { Prng } from './prng.ts';
import { breakArguments } from './sampleInvalid.ts';
import type { Action } from './types.ts';

// randexp is CommonJS (`module.exports = RandExp`) typed as an ES module with a default export:
// Node hands the class itself to a default import, a bundler may hand the namespace.
const RandExp = ((randexp as unknown as { default?: unknown }).default ?? randexp) as typeof randexp.default;
type RandExp = InstanceType<typeof RandExp>;

export interface SampleOptions {
  /**
   * Probability (0…1) that an action's arguments break its tool's schema on purpose (a required
   * property dropped, an unexpected one added, a value of the wrong type, out of range, too short
   * or too long, not in the enum), to exercise the environment's `INVALID_ARGUMENTS` path. A tool
   * whose schema accepts every object gets valid arguments. Default 0: every action validates.
   */
  invalidRate?: number;
}

/**
 * A random action, like Gymnasium's `action_space.sample()`: a tool picked uniformly and arguments
 * that pass its JSON schema as the kernel validates it (ajv, draft-07), drawn only from `rng`, so
 * a seed gives the same actions everywhere. Honoured: `type` (and lists of types), `const`, `enum`,
 * `examples` (those that validate), `properties`/`required`/`additionalProperties`/
 * `min|maxProperties`, `items` (and tuples)/`min|maxItems`/`uniqueItems`/`contains`,
 * `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`/`multipleOf`/`integer`,
 * `minLength`/`maxLength`, `pattern` (through `randexp`, driven by `rng`), simple `format`s,
 * local `$ref`, `allOf`, `anyOf`, `oneOf`. Each draw is checked with ajv and redrawn when a
 * keyword outside that list (`not`, `dependencies`, …) refused it; after 16 refusals the last draw
 * is returned as it is (the schema may be unsatisfiable).
 *
 * Strings without `enum`/`examples`/`pattern` are short phrases of common words: plausible but
 * usually wrong values, fine for baselines and fuzzing. The golden episodes were recorded with an
 * older sampler that ignored most constraints: see `sampleActionV1`.
 *
 * @example
 * const action = sampleAction(spec, new Prng(7)); // e.g. { tool: 'escalate', arguments: { reason: 'check please' } }
 * const fuzz = sampleAction(spec, rng, { invalidRate: 0.2 }); // one action in five breaks its schema
 */
export function sampleAction(spec: GymSpec, rng: Prng, options: SampleOptions = {}): Action {
  const rate = options.invalidRate ?? 0;
  if (!(rate >= 0 && rate <= 1))
    throw new PalestraError('SAMPLE_OPTION_INVALID', `invalidRate must be between 0 and 1, got ${rate}`, {
      details: { invalidRate: rate },
      hint: 'give the share of actions whose arguments should break their schema, e.g. 0.1',
    });
  const tool = spec.tools[rng.int(spec.tools.length)]!;
  const schema = tool.parameters as Schema;
  // The coin is drawn only when asked for, so `invalidRate: 0` draws exactly as no option does.
  if (rate > 0 && rng.next() < rate) {
    const invalid = breakArguments(schema, sampleArguments(schema, rng), rng);
    if (invalid !== undefined) return { tool: tool.name, arguments: invalid };
  }
  return { tool: tool.name, arguments: sampleArguments(schema, rng) };
}

/** Redraws of a value the schema refused (see `sampleAction`). */
const ATTEMPTS = 16;
/** Optional properties are drawn (one chance in two) down to this depth; below it only required ones. */
const OPTIONAL_DEPTH = 3;
/** Past this depth (a recursive `$ref` with required children) a value is `null`: the draw is refused and redrawn. */
const MAX_DEPTH = 12;

/**
 * Arguments that pass `schema` (an object schema, as tools declare them): see `sampleAction`.
 *
 * @example
 * sampleArguments({ type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 3 } }, required: ['n'] }, rng) // { n: 2 }
 */
export function sampleArguments(schema: Schema, rng: Prng): Record<string, unknown> {
  const check = validatorOf(schema);
  const ctx: Ctx = { root: schema, rng };
  let args: Record<string, unknown> = {};
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const v = sampleValue(schema, ctx, 0);
    args = isObject(v) ? v : {};
    if (check === null || check(args)) return args;
  }
  return args;
}

interface Ctx {
  /** The tool's schema, which local `$ref`s point into. */
  root: Schema;
  rng: Prng;
}

function sampleValue(raw: unknown, ctx: Ctx, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  let s = resolve(raw, ctx.root);
  const branches = (Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : []) as unknown[];
  if (branches.length > 0) {
    const { oneOf: _o, anyOf: _a, ...rest } = s;
    s = merge(rest, resolve(branches[ctx.rng.int(branches.length)], ctx.root));
  }
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    const ok = s.enum.filter((v) => conforms(s, v));
    const pool = ok.length > 0 ? ok : s.enum;
    return pool[ctx.rng.int(pool.length)];
  }
  if (Array.isArray(s.examples)) {
    // The author's own examples read best, but nothing makes them valid: only those that pass.
    const ok = s.examples.filter((v) => conforms(s, v));
    if (ok.length > 0) return ok[ctx.rng.int(ok.length)];
  }
  const types = typesOf(s);
  const type = types.length === 1 ? types[0] : types[ctx.rng.int(types.length)];
  switch (type) {
    case 'object':
      return sampleObject(s, ctx, depth);
    case 'array':
      return sampleArray(s, ctx, depth);
    case 'integer':
    case 'number':
      return sampleNumber(s, type === 'integer', ctx.rng);
    case 'string':
      return sampleString(s, ctx.rng);
    case 'boolean':
      return ctx.rng.int(2) === 1;
    default:
      return null;
  }
}

function sampleObject(s: Schema, ctx: Ctx, depth: number): Record<string, unknown> {
  const declared = isObject(s.properties) ? Object.keys(s.properties) : [];
  const required = Array.isArray(s.required)
    ? s.required.filter((k): k is string => typeof k === 'string')
    : [];
  const minProps = num(s.minProperties) ?? 0;
  const maxProps = num(s.maxProperties) ?? Number.POSITIVE_INFINITY;
  const keys = new Set(required);
  const optional = declared.filter((k) => !keys.has(k));
  for (const k of optional)
    if (keys.size < maxProps && depth < OPTIONAL_DEPTH && ctx.rng.int(2) === 0) keys.add(k);
  for (const k of optional) if (keys.size < minProps) keys.add(k);
  // Still short of minProperties: new names, where the schema lets undeclared properties through.
  for (
    let i = 0;
    keys.size < minProps && s.additionalProperties !== false && i < minProps + declared.length;
    i++
  )
    keys.add(`extra${i}`);
  // Declared properties in declaration order, then the others: equal draws give equal key orders.
  const ordered = [...declared.filter((k) => keys.has(k)), ...[...keys].filter((k) => !declared.includes(k))];
  const out: Record<string, unknown> = {};
  for (const k of ordered) out[k] = sampleValue(propertySchema(s, k), ctx, depth + 1);
  return out;
}

function sampleArray(s: Schema, ctx: Ctx, depth: number): unknown[] {
  // Draft-07, as the kernel's ajv reads it: `items` is one schema, or a tuple followed by `additionalItems`.
  const tuple = Array.isArray(s.items) ? (s.items as unknown[]) : [];
  const rest = Array.isArray(s.items) ? s.additionalItems : s.items;
  const min = num(s.minItems) ?? 0;
  let max = Math.min(num(s.maxItems) ?? Number.POSITIVE_INFINITY, min + 3);
  if (rest === false) max = Math.min(max, tuple.length);
  const n = max <= min ? min : min + ctx.rng.int(max - min + 1);
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const item = i < tuple.length ? tuple[i] : rest;
    let v = sampleValue(item, ctx, depth + 1);
    for (let t = 0; s.uniqueItems === true && seen.has(stableKey(v)) && t < ATTEMPTS; t++)
      v = sampleValue(item, ctx, depth + 1);
    if (s.uniqueItems === true && seen.has(stableKey(v))) {
      if (out.length >= min) break; // the item schema has fewer distinct values than asked for
    }
    seen.add(stableKey(v));
    out.push(v);
  }
  if (s.contains !== undefined) {
    const contains = resolve(s.contains, ctx.root);
    if (!out.some((v) => conforms(contains, v))) {
      const v = sampleValue(contains, ctx, depth + 1);
      if (out.length > 0) out[ctx.rng.int(out.length)] = v;
      else out.push(v);
    }
  }
  return out;
}

/** ajv's own test of `multipleOf` (no `multipleOfPrecision`): the quotient must be an integer, exactly. */
const isMultiple = (v: number, m: number) => v / m === Number.parseInt(String(v / m), 10);

function sampleNumber(s: Schema, integer: boolean, rng: Prng): number {
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  let loOpen = false;
  let hiOpen = false;
  if (num(s.minimum) !== undefined) lo = s.minimum as number;
  if (num(s.exclusiveMinimum) !== undefined && (s.exclusiveMinimum as number) >= lo) {
    lo = s.exclusiveMinimum as number;
    loOpen = true;
  }
  if (num(s.maximum) !== undefined) hi = s.maximum as number;
  if (num(s.exclusiveMaximum) !== undefined && (s.exclusiveMaximum as number) <= hi) {
    hi = s.exclusiveMaximum as number;
    hiOpen = true;
  }
  // Unbounded sides: a window of 100 next to the bound that is given (0…100 with none), as before.
  if (lo === Number.NEGATIVE_INFINITY && hi === Number.POSITIVE_INFINITY) lo = 0;
  if (hi === Number.POSITIVE_INFINITY) hi = lo + 100;
  if (lo === Number.NEGATIVE_INFINITY) lo = hi - 100;
  // Huge ranges are drawn near zero (or near the bound): floats lose the integers out there.
  if (hi - lo > 2e9) [lo, hi] = lo <= 0 && hi >= 0 ? [Math.max(lo, -1e9), Math.min(hi, 1e9)] : [lo, lo + 1e9];
  const inside = (v: number) =>
    (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi) && (!integer || Number.isInteger(v));
  const m =
    num(s.multipleOf) !== undefined && (s.multipleOf as number) > 0 ? (s.multipleOf as number) : undefined;
  if (integer || m !== undefined) {
    // A multiple of `step` in the range: an integer, a multiple of m, or an integer multiple of m.
    const step = m === undefined ? 1 : integer && !Number.isInteger(m) ? integerStep(m) : m;
    const kLo = loOpen ? Math.floor(lo / step) + 1 : Math.ceil(lo / step);
    const kHi = hiOpen ? Math.ceil(hi / step) - 1 : Math.floor(hi / step);
    if (kLo > kHi) return lo; // nothing fits: the schema refuses every value
    const span = kHi - kLo + 1;
    let v = kLo * step;
    for (let t = 0; t < ATTEMPTS; t++) {
      const k = kLo + (span <= 2 ** 32 ? rng.int(span) : Math.floor(rng.next() * span));
      // k·m in floats is often not what ajv's v / m gives back: try the decimal rounding of it too.
      for (const c of [k * step, Number((k * step).toPrecision(12))]) {
        if (inside(c) && (m === undefined || isMultiple(c, m))) return c;
        v = c;
      }
    }
    return v;
  }
  const v = lo + rng.next() * (hi - lo);
  const cents = Math.round(v * 100) / 100; // readable values, as an agent would write them
  if (inside(cents)) return cents;
  if (inside(v)) return v;
  return (lo + hi) / 2;
}

/** The smallest multiple of a fractional m that is an integer (m = 0.5 → 1, 0.25 → 1, 1.5 → 3). */
function integerStep(m: number): number {
  for (let t = 1; t <= 10_000; t++) {
    const c = Number((m * t).toPrecision(12));
    if (Number.isInteger(c)) return c;
  }
  return Math.ceil(m);
}

const WORDS = [
  'yes',
  'no',
  'ok',
  'check',
  'help',
  'later',
  'done',
  'order',
  'refund',
  'policy',
  'please',
  'thanks',
];

/** Length as JSON Schema counts it: code points (ajv's `ucs2length`), not UTF-16 units. */
const codePoints = (v: string) => [...v].length;

const hex = (rng: Prng, n: number) => Array.from({ length: n }, () => rng.int(16).toString(16)).join('');
const pad = (v: number) => String(v).padStart(2, '0');

/** Common `format`s (the kernel's ajv checks none of them: only their lengths matter to it). */
const FORMATS: Record<string, (rng: Prng) => string> = {
  date: (rng) => `2024-${pad(1 + rng.int(12))}-${pad(1 + rng.int(28))}`,
  time: (rng) => `${pad(rng.int(24))}:${pad(rng.int(60))}:${pad(rng.int(60))}Z`,
  'date-time': (rng) => `${FORMATS.date!(rng)}T${FORMATS.time!(rng)}`,
  email: (rng) => `${WORDS[rng.int(WORDS.length)]}@example.com`,
  hostname: (rng) => `${WORDS[rng.int(WORDS.length)]}.example.com`,
  uri: (rng) => `https://example.com/${WORDS[rng.int(WORDS.length)]}`,
  url: (rng) => `https://example.com/${WORDS[rng.int(WORDS.length)]}`,
  uuid: (rng) => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`,
  ipv4: (rng) => Array.from({ length: 4 }, () => rng.int(256)).join('.'),
};

function sampleString(s: Schema, rng: Prng): string {
  const min = num(s.minLength) ?? 0;
  const max = num(s.maxLength) ?? Number.POSITIVE_INFINITY;
  const fits = (v: string) => codePoints(v) >= min && codePoints(v) <= max;
  if (typeof s.pattern === 'string') {
    const re = safeRegex(s.pattern);
    let gen: RandExp | undefined;
    try {
      gen = new RandExp(s.pattern);
    } catch {
      gen = undefined; // a pattern randexp cannot parse: words, and ajv decides
    }
    if (gen && re) {
      // randexp's one source of randomness, replaced by ours: the same seed, the same string.
      gen.randInt = (a: number, b: number) =>
        a + (b - a < 2 ** 32 ? rng.int(b - a + 1) : Math.floor(rng.next() * (b - a + 1)));
      // `*` and `+` repeat up to this many times (randexp's default, 100, makes long strings).
      gen.max = Math.min(max, min + 8);
      for (let t = 0; t < ATTEMPTS; t++) {
        const v = gen.gen();
        if (fits(v) && re.test(v)) return v;
      }
    }
  }
  const format = typeof s.format === 'string' ? FORMATS[s.format] : undefined;
  if (format) {
    const v = format(rng);
    if (fits(v)) return v;
  }
  // A short phrase of whole words: at least one character where allowed, up to a dozen more than
  // the minimum; cut inside a word only where the limits leave no room for whole ones.
  const lo = Math.max(min, Math.min(1, max));
  const hi = Math.max(lo, Math.min(max, lo + 12));
  const target = lo + rng.int(hi - lo + 1);
  let text = '';
  while (text.length < target) {
    const next = `${text}${text ? ' ' : ''}${WORDS[rng.int(WORDS.length)]}`;
    if (next.length > hi) break;
    text = next;
  }
  while (text.length < lo) text += `${text ? ' ' : ''}${WORDS[rng.int(WORDS.length)]}`;
  return text.slice(0, hi);
}
