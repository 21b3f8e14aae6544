import { PalestraError } from '../errors.ts';

/**
 * Limits on untrusted JSON (spec files, episode files, requests to `serve`). Every parser of such
 * input checks them *before* anything recurses over the value: zod, canonical JSON, structuredClone
 * and JSON.stringify all recurse, and a 100,000-deep array overflows the stack in each of them.
 * `JSON.parse` itself is iterative in V8, but the text is scanned first anyway so that the error
 * names the position and no deep value is ever built.
 */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest input text, in UTF-16 code units (≈ bytes for ASCII). */
  maxChars: number;
}

/** GymSpec files: deep enough for nested statecharts (each level is two: `states`, then the node). */
export const SPEC_LIMITS: JsonLimits = { maxDepth: 128, maxChars: 16 * 1024 * 1024 };
/** One line of an episode file (a step with its turn record: the whole conversation). */
export const RECORD_LINE_LIMITS: JsonLimits = { maxDepth: 128, maxChars: 64 * 1024 * 1024 };
/** One request body or WebSocket message to `palestra serve`. */
export const REQUEST_LIMITS: JsonLimits = { maxDepth: 64, maxChars: 4 * 1024 * 1024 };

/** Most arrays and objects `checkJsonValue` walks (a cyclic value with many keys ends here). */
const MAX_VALUE_NODES = 5_000_000;

/** Input that is nested too deep or too large to parse safely. */
export class InputLimitError extends PalestraError {
  override name = 'InputLimitError';
}

/**
 * Scans JSON text for its nesting depth without building anything (strings skipped, escapes
 * honoured) and throws `INPUT_TOO_DEEP` / `INPUT_TOO_LARGE` with the offset where the limit was
 * passed. Text that is not JSON at all is left for `JSON.parse` to refuse.
 */
export function checkJsonText(text: string, limits: JsonLimits, what: string): void {
  if (text.length > limits.maxChars)
    throw new InputLimitError(
      'INPUT_TOO_LARGE',
      `${what} is ${text.length} characters; the limit is ${limits.maxChars}`,
      { details: { what, size: text.length, limit: limits.maxChars }, hint: 'split the input or shrink it' },
    );
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth > limits.maxDepth) throw tooDeep(what, limits.maxDepth, `at character ${i}`);
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
}

/** `checkJsonText`, then `JSON.parse`. Syntax errors stay `SyntaxError`s for the caller to word. */
export function parseJsonText(text: string, limits: JsonLimits, what: string): unknown {
  checkJsonText(text, limits, what);
  return JSON.parse(text);
}

/**
 * The same depth limit for a value already in memory (an object handed to `parseSpec` by code),
 * walked with an explicit stack, never by recursion. Reports the JSON path of the first node past
 * the limit. A cyclic value fails it too.
 */
export function checkJsonValue(value: unknown, limits: Pick<JsonLimits, 'maxDepth'>, what: string): void {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 0, path: '$' }];
  // No cycle check of its own: a cycle nests without end, so it fails the depth limit (and the
  // node budget stops a wide one first).
  let nodes = 0;
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (++nodes > MAX_VALUE_NODES)
      throw new InputLimitError(
        'INPUT_TOO_LARGE',
        `${what} has more than ${MAX_VALUE_NODES} arrays and objects`,
        {
          details: { what, limit: MAX_VALUE_NODES },
          hint: 'shrink the input',
        },
      );
    if (depth + 1 > limits.maxDepth) throw tooDeep(what, limits.maxDepth, `at ${path}`, path);
    if (Array.isArray(v))
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` });
    else
      for (const [k, child] of Object.entries(v))
        stack.push({
          v: child,
          depth: depth + 1,
          path: /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
        });
  }
}

function tooDeep(what: string, limit: number, where: string, path?: string): InputLimitError {
  return new InputLimitError('INPUT_TOO_DEEP', `${what} nests deeper than ${limit} levels (${where})`, {
    details: { what, limit, ...(path ? { path } : {}) },
    hint: `flatten the data: JSON in Palestra may nest at most ${limit} arrays or objects deep`,
  });
}
