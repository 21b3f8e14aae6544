/**
 * Reading a tool call's arguments as the model wrote them. Anything malformed is a
 * `ToolArgumentError`: the executor turns it into an error result the model reads and can correct,
 * never a crash of the page.
 */

type Json = Record<string, unknown>;

/** A tool call whose arguments cannot be used; the message tells the model what to send instead. */
export class ToolArgumentError extends Error {
  override name = 'ToolArgumentError';
}

/** Throws a `ToolArgumentError` with `message`. */
export function bad(message: string): never {
  throw new ToolArgumentError(message);
}

/** The arguments as an object: a JSON text (OpenAI) or an object; empty text is `{}`. */
export function argumentsObject(raw: string): Json {
  let value: unknown;
  try {
    value = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (e) {
    bad(`the arguments are not JSON (${(e as Error).message}): send one JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad('the arguments must be one JSON object');
  return value as Json;
}

/** A required string field (non-empty after trimming). */
export function reqString(args: Json, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v.trim() === '') bad(`"${key}" must be a non-empty string`);
  return v.trim();
}

/** An optional string field. */
export function optString(args: Json, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(`"${key}" must be a string`);
  return v;
}

/** A field that is a string or null; `undefined` when absent. */
export function stringOrNull(args: Json, key: string): string | null | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || v.trim() === '') bad(`"${key}" must be a non-empty string or null`);
  return v.trim();
}

/** An optional plain object field. */
export function optObject(args: Json, key: string): Json | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) bad(`"${key}" must be a JSON object`);
  return v as Json;
}

/** An optional list of non-empty strings. */
export function optStrings(args: Json, key: string): string[] | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === ''))
    bad(`"${key}" must be a list of names`);
  return v as string[];
}

/** State keys the tools create: simple names, so a dotted path always splits back into them. */
export const STATE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** Guard, action and event names. */
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `value` when it matches `pattern`, else an error naming the rule. */
export function named(value: string, pattern: RegExp, what: string, rule: string): string {
  if (!pattern.test(value)) bad(`${what} "${value}" is not valid: ${rule}`);
  return value;
}
