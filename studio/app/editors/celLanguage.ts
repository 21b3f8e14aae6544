import { StreamLanguage, type StreamParser } from '@codemirror/language';

/**
 * CEL's tokens for highlighting, as a CodeMirror stream parser. A stream parser rather than a Lezer
 * grammar: an expression is a line or two, highlighting needs tokens and no tree, and the errors
 * shown as you type come from the envs parser itself (`lint.ts`), so a second grammar could only
 * disagree with it. A Lezer grammar would also need @lezer/generator at build time.
 *
 * The state carries an open triple-quoted string across lines.
 */
interface CelState {
  /** The closing quotes of a triple-quoted string still open at the end of the last line. */
  open: '"""' | "'''" | null;
}

const KEYWORDS = new Set(['in']);
const ATOMS = new Set(['true', 'false', 'null']);
/** CEL's reserved words: not valid identifiers, marked as errors. */
const RESERVED = new Set([
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

function readString(stream: Parameters<StreamParser<CelState>['token']>[0], state: CelState, raw: boolean) {
  const close = state.open;
  if (close) {
    while (!stream.eol()) {
      if (stream.match(close)) {
        state.open = null;
        return 'string';
      }
      if (!raw && stream.next() === '\\') stream.next();
      else if (raw) stream.next();
    }
    return 'string';
  }
  const quote = stream.next()!;
  while (!stream.eol()) {
    const c = stream.next();
    if (c === quote) return 'string';
    if (c === '\\' && !raw) stream.next();
  }
  return 'string';
}

/** The stream parser (exported for tests: tokens can be read with `StringStream`). */
export const celParser: StreamParser<CelState> = {
  name: 'cel',
  startState: () => ({ open: null }),
  copyState: (s) => ({ open: s.open }),
  token(stream, state) {
    if (state.open) return readString(stream, state, false);
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    // String prefixes: r (raw), b (bytes), in either case and order.
    const prefix = stream.match(/^(?:[rR][bB]?|[bB][rR]?)(?=["'])/);
    const raw = Array.isArray(prefix) && /r/i.test(prefix[0]);
    const triple = stream.match(/^("""|''')/, false);
    if (Array.isArray(triple)) {
      stream.pos += 3;
      state.open = triple[0] as CelState['open'];
      return readString(stream, state, raw);
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") return readString(stream, state, raw);
    if (prefix) return 'string';
    if (stream.match(/^0[xX][0-9a-fA-F]+[uU]?/) || stream.match(/^\d+(\.\d+)?([eE][+-]?\d+)?[uU]?/))
      return 'number';
    if (stream.match(/^\.\d+([eE][+-]?\d+)?/)) return 'number';
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/);
    if (Array.isArray(word)) {
      const w = word[0];
      if (ATOMS.has(w)) return 'atom';
      if (KEYWORDS.has(w)) return 'keyword';
      if (RESERVED.has(w)) return 'invalid';
      const member = stream.string[stream.start - 1] === '.';
      if (stream.match(/^\s*\(/, false)) return 'variableName.function';
      return member ? 'propertyName' : 'variableName';
    }
    if (stream.match(/^(==|!=|<=|>=|&&|\|\||[-+*/%<>!?:])/)) return 'operator';
    if (stream.match(/^[()[\]{}]/)) return 'bracket';
    if (stream.match(/^[.,]/)) return 'punctuation';
    stream.next();
    return 'invalid';
  },
  languageData: { commentTokens: { line: '//' } },
};

/**
 * CEL for CodeMirror 6: highlighting only (completion and errors are separate extensions).
 *
 * @example
 * new EditorView({ extensions: [celLanguage] });
 */
export const celLanguage = StreamLanguage.define(celParser);
