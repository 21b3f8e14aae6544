import { ImportFormatError, type ImportPosition } from './errors.ts';

/**
 * The deepest nesting of brackets (`{`, `[`, `(`) an imported source file may have. The
 * TypeScript parser recurses once or more per level, so a file of a million `[` would overflow the
 * stack inside it; a machine 60 states deep needs about 130 levels.
 */
export const MAX_SOURCE_NESTING = 256;

/**
 * Scans source text for bracket nesting before any parser sees it, skipping strings, comments and
 * the text of template literals (their `${…}` parts are code and counted), and throws
 * `STUDIO_IMPORT_TOO_DEEP` at the first bracket past `limit`. Regular expression literals are not
 * recognised (telling them from division needs a parser); a bracket inside one only counts one
 * level too many, which a real machine never comes near.
 *
 * @example
 * checkSourceNesting('createMachine({ states: {} })') // passes
 */
export function checkSourceNesting(text: string, limit = MAX_SOURCE_NESTING): void {
  // Each entry: a bracket, or a template literal's `${` (closed by the matching `}`).
  const stack: number[] = [];
  let line = 1;
  let lineStart = 0;
  const at = (i: number): ImportPosition => ({ line, column: i - lineStart + 1 });
  let i = 0;
  const n = text.length;
  /** Skips a template literal's text from `i` (after the backtick or a `}`) to its end or `${`. */
  const templateText = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line++;
        lineStart = i + 1;
      } else if (c === 92 /* \ */) i++;
      else if (c === 96 /* ` */) {
        i++;
        return;
      } else if (c === 36 /* $ */ && text.charCodeAt(i + 1) === 123 /* { */) {
        stack.push(-1);
        if (stack.length > limit) throw tooDeep(at(i), limit);
        i += 2;
        return;
      }
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      i++;
    } else if (c === 34 || c === 39 /* " ' */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === c || d === 10) break;
      }
      i++;
    } else if (c === 96) {
      i++;
      templateText();
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (; i < stop; i++)
        if (text.charCodeAt(i) === 10) {
          line++;
          lineStart = i + 1;
        }
    } else if (c === 123 || c === 91 || c === 40 /* { [ ( */) {
      stack.push(c);
      if (stack.length > limit) throw tooDeep(at(i), limit);
      i++;
    } else if (c === 125 || c === 93 || c === 41 /* } ] ) */) {
      const top = stack.pop();
      i++;
      if (top === -1 && c === 125) templateText();
    } else i++;
  }
}

function tooDeep(at: ImportPosition, limit: number): ImportFormatError {
  return new ImportFormatError(
    'STUDIO_IMPORT_TOO_DEEP',
    `brackets nest deeper than ${limit} levels`,
    at,
    'a machine needs far fewer levels: check that this is the machine file, or flatten the data',
    { details: { limit } },
  );
}
