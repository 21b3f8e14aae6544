import { pathSegment } from './jsonPath.ts';

/**
 * Positions in JSON text, for error messages about a spec *file*: where the syntax breaks, and
 * which JSON path holds a given character. `JSON.parse` says neither reliably (V8 often prints a
 * snippet instead of a position), and it never says a path.
 *
 * One iterative scanner with an explicit stack, never recursion: the text may nest 100,000 deep.
 */

/** The first syntax error of a JSON text: where, what was expected, and inside which value. */
export interface JsonSyntaxError {
  /** Offset in the text (UTF-16 code units). */
  offset: number;
  line: number;
  column: number;
  /** What the scanner expected there, e.g. `a double-quoted key (no trailing comma)`. */
  expected: string;
  /** JSON path of the object or array the error is in (`$` at the top). */
  path: string;
}

/** Where `offset` is: 1-based line and column (columns count UTF-16 code units). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The first syntax error in `text`, or `undefined` when it is valid JSON.
 *
 * @example
 * jsonSyntaxError('{"a": [1, 2,]}') // { offset: 12, line: 1, column: 13, expected: 'a value', path: '$.a' }
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const r = scan(text, Number.POSITIVE_INFINITY);
  if (r.kind !== 'error') return undefined;
  return { offset: r.offset, ...lineColumn(text, r.offset), expected: r.expected, path: r.path };
}

/**
 * The JSON path of the value (or key) that holds character `offset`; if `offset` falls between
 * values, the path of the next value. `$` when nothing is found.
 *
 * @example
 * jsonPathAt('{"a": {"b": "x\uFFFDy"}}', 13) // '$.a.b'
 */
export function jsonPathAt(text: string, offset: number): string {
  const r = scan(text, offset);
  return r.kind === 'found' ? r.path : '$';
}

type Frame = { kind: 'object'; key: string | undefined } | { kind: 'array'; index: number };
type Expect = 'value' | 'valueOrEnd' | 'keyOrEnd' | 'key' | 'colon' | 'commaOrEnd' | 'eof';
type ScanResult =
  | { kind: 'ok' }
  | { kind: 'found'; path: string }
  | { kind: 'error'; offset: number; expected: string; path: string };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS: Record<string, string> = { t: 'true', f: 'false', n: 'null' };

/**
 * The path of the value being read. `member` says what the innermost frame contributes: its
 * current key or index (`'current'`), a key just read (a string), or nothing (`'none'`: between
 * members, the path is the container's own).
 */
function pathOf(stack: Frame[], member: 'current' | 'none' | { key: string } = 'current'): string {
  let out = '$';
  const last = stack.length - 1;
  for (let i = 0; i <= last; i++) {
    const f = stack[i]!;
    if (i === last && member === 'none') break;
    if (i === last && typeof member === 'object') out += pathSegment(member.key);
    else out += pathSegment(f.kind === 'array' ? f.index : (f.key ?? ''));
  }
  return out;
}

/** Offset just past the string that starts at `start` (a `"`), or an error. */
function scanString(text: string, start: number): { end: number } | { offset: number; expected: string } {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) return { end: i + 1 };
    if (c < 0x20) return { offset: i, expected: 'a closing quote (control characters must be escaped)' };
    if (c === 92 /* \ */) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
          return { offset: i, expected: 'four hex digits after \\u' };
        i += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e))
        return { offset: i, expected: 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)' };
      i += 2;
      continue;
    }
    i++;
  }
  return { offset: text.length, expected: 'a closing quote' };
}

function scan(text: string, stopAt: number): ScanResult {
  const stack: Frame[] = [];
  // Widened on purpose: `afterValue` assigns it, which TypeScript's narrowing does not see.
  let expect = 'value' as Expect;
  let i = 0;
  const fail = (offset: number, expected: string): ScanResult => ({
    kind: 'error',
    offset,
    expected,
    // Between members (a missing comma, a trailing one) the error is the container's.
    path: pathOf(
      stack,
      expect === 'commaOrEnd' || expect === 'key' || expect === 'keyOrEnd' ? 'none' : 'current',
    ),
  });
  const afterValue = () => {
    expect = stack.length === 0 ? 'eof' : 'commaOrEnd';
  };
  while (true) {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
    if (i >= text.length)
      return expect === 'eof' ? { kind: 'ok' } : fail(i, 'more JSON (the text ends too early)');
    const c = text[i]!;
    switch (expect) {
      case 'eof':
        return fail(i, 'the end of the text (there is more after the JSON value)');
      case 'colon':
        if (c !== ':') return fail(i, '":" after the key');
        expect = 'value';
        i++;
        continue;
      case 'commaOrEnd': {
        const top = stack[stack.length - 1]!;
        const close = top.kind === 'object' ? '}' : ']';
        if (c === close) {
          stack.pop();
          afterValue();
        } else if (c === ',') {
          if (top.kind === 'array') {
            top.index++;
            expect = 'value';
          } else expect = 'key';
        } else return fail(i, `"," or "${close}"`);
        i++;
        continue;
      }
      case 'keyOrEnd':
      case 'key': {
        if (c === '}' && expect === 'keyOrEnd') {
          stack.pop();
          afterValue();
          i++;
          continue;
        }
        if (c !== '"')
          return fail(
            i,
            expect === 'key' ? 'a double-quoted key (no trailing comma)' : 'a double-quoted key or "}"',
          );
        const s = scanString(text, i);
        if ('offset' in s) return fail(s.offset, s.expected);
        const key = JSON.parse(text.slice(i, s.end)) as string;
        if (stopAt >= i && stopAt < s.end) return { kind: 'found', path: pathOf(stack, { key }) };
        (stack[stack.length - 1] as { key: string | undefined }).key = key;
        expect = 'colon';
        i = s.end;
        continue;
      }
      case 'value':
      case 'valueOrEnd': {
        if (c === ']' && expect === 'valueOrEnd') {
          stack.pop();
          afterValue();
          i++;
          continue;
        }
        if (i >= stopAt) return { kind: 'found', path: pathOf(stack) };
        if (c === '{' || c === '[') {
          stack.push(c === '{' ? { kind: 'object', key: undefined } : { kind: 'array', index: 0 });
          expect = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
          i++;
          continue;
        }
        if (c === '"') {
          const s = scanString(text, i);
          if ('offset' in s) return fail(s.offset, s.expected);
          if (stopAt < s.end) return { kind: 'found', path: pathOf(stack) };
          i = s.end;
          afterValue();
          continue;
        }
        const literal = LITERALS[c];
        if (literal !== undefined) {
          if (!text.startsWith(literal, i)) return fail(i, `a value (did you mean ${literal}?)`);
          i += literal.length;
          afterValue();
          continue;
        }
        NUMBER.lastIndex = i;
        if ((c === '-' || (c >= '0' && c <= '9')) && NUMBER.test(text)) {
          i = NUMBER.lastIndex;
          afterValue();
          continue;
        }
        return fail(i, 'a value (a string in double quotes, a number, true, false, null, { or [)');
      }
    }
  }
}
