import { readFileSync, statSync } from 'node:fs';
import { PalestraError, SpecError } from '../errors.ts';
import { jsonPathAt, jsonSyntaxError, lineColumn } from './jsonText.ts';
import { checkJsonText, InputLimitError, SPEC_LIMITS } from './limits.ts';

/**
 * Reading a GymSpec file: bytes → UTF-8 text → JSON value, refusing on the way what a parser must
 * not take on trust. In this order, each with a typed error that names the file:
 * 1. a file larger than `SPEC_LIMITS.maxChars` bytes (`INPUT_TOO_LARGE`, before it is read);
 * 2. nesting deeper than `SPEC_LIMITS.maxDepth` (`INPUT_TOO_DEEP`, before anything recurses);
 * 3. bytes that are not UTF-8 (a `SpecError` at the path of the string that holds them);
 * 4. text that is not JSON (a `SpecError` at the path of the value where it breaks, with line and
 *    column, and a word about YAML when it looks like YAML).
 *
 * The value it returns still has to pass `parseSpec`.
 */

/**
 * Reads and decodes a spec file.
 *
 * @example
 * const spec = parseSpec(readSpecFile('envs/catalog/frozen-lake/spec.json'));
 */
export function readSpecFile(file: string): unknown {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw unreadable(file, e);
  }
  // Checked on the size before reading: a 2 GB file must not be read to be refused. Bytes are at
  // least as many as characters, so this is the same limit `checkJsonText` holds, a little early.
  if (size > SPEC_LIMITS.maxChars)
    throw new InputLimitError(
      'INPUT_TOO_LARGE',
      `${file} is ${size} bytes; a spec file may have at most ${SPEC_LIMITS.maxChars}`,
      {
        details: { what: file, file, size, limit: SPEC_LIMITS.maxChars },
        hint: 'a spec holds rules, not data: generate large task sets with a task module ({ "tasks": { "module": "tasks.js#generate", "count": n } })',
      },
    );
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw unreadable(file, e);
  }
  return parseSpecBytes(bytes, file);
}

function unreadable(file: string, e: unknown): PalestraError {
  return new PalestraError('SPEC_UNREADABLE', `cannot read ${file}: ${(e as Error).message}`, {
    details: { file },
    hint: 'an environment is a folder with spec.json and its .js modules',
  });
}

/** The same as `readSpecFile`, for bytes already in memory (an upload, a bundle entry). */
export function parseSpecBytes(bytes: Uint8Array, file: string): unknown {
  const { text, badByte } = decodeUtf8(bytes);
  limitChecks(text, file);
  if (badByte !== undefined) throw notUtf8(bytes, text, badByte, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw notJson(text, file, (e as Error).message);
  }
}

/**
 * Decodes UTF-8 strictly; when that fails, decodes leniently (every bad sequence becomes U+FFFD)
 * and says at which byte the first bad one starts.
 */
function decodeUtf8(bytes: Uint8Array, ignoreBOM = false): { text: string; badByte?: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM }).decode(bytes) };
  } catch {
    const text = new TextDecoder('utf-8', { ignoreBOM }).decode(bytes);
    // A stripped BOM is 3 bytes the text does not show.
    const bom = !ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return { text, badByte: firstBadByte(bytes, text, bom) };
  }
}

/**
 * Reads a code module of an environment (a `.js` file beside spec.json) as UTF-8, refusing other
 * bytes with the file, byte offset, line and column: a lenient read would run code with U+FFFD in
 * it, different from what the author wrote.
 */
export function readModuleFile(file: string): string {
  const bytes = readFileSync(file);
  // A BOM is kept, as `readFileSync(file, 'utf8')` kept it: the bundle hashes the text.
  const { text, badByte } = decodeUtf8(bytes, true);
  if (badByte === undefined) return text;
  const { line, column } = lineColumn(
    text,
    new TextDecoder('utf-8').decode(bytes.subarray(0, badByte)).length,
  );
  throw new PalestraError(
    'FILE_NOT_UTF8',
    `${file} has bytes that are not UTF-8 at byte offset ${badByte} (line ${line}, column ${column})`,
    {
      details: { file, byte: badByte, line, column },
      hint: 'save the module as UTF-8 (e.g. `iconv -f windows-1252 -t utf-8`), or write the character as a \\uXXXX escape',
    },
  );
}

function limitChecks(text: string, file: string): void {
  try {
    checkJsonText(text, SPEC_LIMITS, file);
  } catch (e) {
    const at = e instanceof InputLimitError ? /at character (\d+)/.exec(e.message) : null;
    if (!(e instanceof InputLimitError) || !at) throw e;
    // Say where in terms a person can find: line, column and the JSON path of the deep value.
    const offset = Number(at[1]);
    const { line, column } = lineColumn(text, offset);
    const path = jsonPathAt(text, offset);
    throw new InputLimitError(
      e.code,
      `${file} nests deeper than ${SPEC_LIMITS.maxDepth} levels at line ${line}, column ${column} (${shortPath(path)})`,
      { details: { ...e.details, file, line, column, path }, hint: e.hint },
    );
  }
}

/** A path of a deep value is mostly `[0][0][0]…`: write a run of one step once, with its count. */
function shortPath(path: string): string {
  return path.replace(
    /(\[\d+\]|\.[A-Za-z_$][\w$]*)\1{3,}/g,
    (run, step: string) => `${step}…${step} (${run.length / step.length} times)`,
  );
}

/**
 * Byte offset of the first byte that is not valid UTF-8. `text` is the lenient decoding of `bytes`:
 * walk it and the bytes together; the first U+FFFD that is not the three bytes EF BF BD (a real
 * U+FFFD in the file) is where the decoder replaced bad bytes.
 */
function firstBadByte(bytes: Uint8Array, text: string, start: number): number {
  let b = start;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfffd && !(bytes[b] === 0xef && bytes[b + 1] === 0xbf && bytes[b + 2] === 0xbd)) return b;
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return b;
}

function notUtf8(bytes: Uint8Array, text: string, byte: number, file: string): SpecError {
  // The bytes before the bad one are valid UTF-8, so their decoding is exactly the text before it.
  const offset = new TextDecoder('utf-8').decode(bytes.subarray(0, byte)).length;
  const { line, column } = lineColumn(text, offset);
  const hex = [...bytes.subarray(byte, byte + 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  return new SpecError(
    [
      {
        path: jsonPathAt(text, offset),
        message: `bytes that are not UTF-8 at byte offset ${byte} (line ${line}, column ${column}: ${hex}…)`,
        hint: 'save the file as UTF-8 (it was probably written as Latin-1 or Windows-1252; e.g. `iconv -f windows-1252 -t utf-8`), or write the character as a \\uXXXX escape',
      },
    ],
    undefined,
    { file },
  );
}

const YAML_HINT =
  'GymSpecs are JSON. Convert the YAML to JSON with a tool (e.g. `yq -o=json . spec.yaml > spec.json`, or `npx js-yaml spec.yaml > spec.json`), save it as spec.json and run palestra check again';

function notJson(text: string, file: string, v8Message: string): SpecError {
  const where = jsonSyntaxError(text);
  const pos = where ? `line ${where.line}, column ${where.column}` : 'an unknown position';
  const expected = where ? `expected ${where.expected}` : v8Message;
  if (looksLikeYaml(text))
    return new SpecError(
      [
        {
          path: '$',
          message: `this looks like YAML, not JSON (the JSON syntax breaks at ${pos}: ${expected})`,
          hint: YAML_HINT,
        },
      ],
      undefined,
      { file },
    );
  return new SpecError(
    [
      {
        path: where?.path ?? '$',
        message: `not valid JSON at ${pos}: ${expected}`,
        hint: 'specs are strict JSON: double-quoted keys and strings, no comments, no trailing commas (YAML or JSON5 must be converted to JSON first)',
      },
    ],
    undefined,
    { file },
  );
}

/**
 * A heuristic, used only to word an error: text that does not start like JSON and has a line like
 * `key: value`, `- item` or a `---` document marker.
 */
export function looksLikeYaml(text: string): boolean {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  if (first === '{' || first === '[' || first === '"') return false;
  return /^(---|%YAML)/m.test(body) || /^\s*(- |[A-Za-z_"'][\w"' .-]*:(\s|$))/m.test(body);
}
