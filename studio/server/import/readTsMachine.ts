import type * as TS from 'typescript';

/** The compiler API as `import()` gives it (a CommonJS module's exports are its default). */
type TsApi = (typeof TS)['default'];

import { ImportFormatError, type ImportPosition } from './errors.ts';
import { checkSourceNesting } from './nesting.ts';

/** What a TypeScript or JavaScript file says of its machine, read without running it. */
export interface TsMachine {
  /** The argument of `createMachine(…)`, as a JSON value. */
  config: Record<string, unknown>;
  /** The file's top-level `guards` and `actions` objects, when they are literal data (Palestra's own export writes them). */
  guards?: Record<string, unknown>;
  actions?: Record<string, unknown>;
  /** What was passed over, in words, for the page. */
  warnings: string[];
}

/** Keys of a machine config that only carry TypeScript types: skipped unread. */
const TYPE_ONLY_KEYS = new Set(['types', 'tsTypes', 'schema']);

/**
 * Reads the machine of an XState TypeScript or JavaScript module with the TypeScript compiler API:
 * the file is parsed, never run. The first `createMachine(…)` (also `setup(…).createMachine(…)`,
 * `xstate.createMachine(…)` and v4's `Machine(…)`) gives the config: a literal object, or the name
 * of a top-level `const` holding one. Only literal data is read (objects, arrays, strings without
 * `${…}`, numbers, booleans, `null`; `as`, `satisfies` and parentheses are looked through): a
 * function, a call, a name, a spread or a computed key is refused with its line and column.
 *
 * TypeScript is loaded on first use: it is large, and the studio should not pay for it at start.
 *
 * @example
 * const { config } = await readTsMachine("createMachine({ initial: 'a', states: { a: {} } })", 'm.ts');
 */
export async function readTsMachine(text: string, fileName = 'machine.ts'): Promise<TsMachine> {
  checkSourceNesting(text);
  const ts = (await import('typescript')).default;
  const kind = /\.(c|m)?jsx?$/i.test(fileName)
    ? /x$/i.test(fileName)
      ? ts.ScriptKind.JSX
      : ts.ScriptKind.JS
    : /x$/i.test(fileName)
      ? ts.ScriptKind.TSX
      : ts.ScriptKind.TS;
  const name = `/${fileName.replace(/[^\w.-]/g, '_') || 'machine.ts'}`;
  let file: TS.SourceFile;
  let diagnostics: readonly TS.Diagnostic[];
  try {
    file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, kind);
    // A program over this one file, with no library and no resolution, only to ask for its syntax
    // errors through the public API (nothing is type-checked or emitted).
    const host: TS.CompilerHost = {
      getSourceFile: (f) => (f === name ? file : undefined),
      getDefaultLibFileName: () => '/lib.d.ts',
      writeFile: () => {},
      getCurrentDirectory: () => '/',
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => '\n',
      fileExists: (f) => f === name,
      readFile: () => undefined,
    };
    const program = ts.createProgram(
      [name],
      { noLib: true, noResolve: true, allowJs: true, types: [] },
      host,
    );
    diagnostics = program.getSyntacticDiagnostics(file);
  } catch (e) {
    // Past the bracket check, only long chains of operators (`- - - … 1`) still recurse deeply.
    if (e instanceof RangeError) throw tooDeepToParse();
    throw e;
  }
  const pos = (offset: number): ImportPosition => {
    const { line, character } = file.getLineAndCharacterOfPosition(offset);
    return { line: line + 1, column: character + 1 };
  };
  const first = diagnostics[0];
  if (first)
    throw new ImportFormatError(
      'STUDIO_IMPORT_SYNTAX',
      `${fileName} does not parse: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`,
      pos(first.start ?? 0),
      'fix the syntax there (the file is read, never run), then import it again',
    );

  const calls = findMachineCalls(ts, file);
  const call = calls[0];
  if (!call)
    throw new ImportFormatError(
      'STUDIO_IMPORT_NO_MACHINE',
      `${fileName} has no createMachine(…) call`,
      undefined,
      'import the module that calls createMachine({ … }) (or setup({ … }).createMachine({ … }))',
    );
  const warnings: string[] = [];
  if (calls.length > 1)
    warnings.push(
      `the file creates ${calls.length} machines: the first (line ${pos(call.getStart(file)).line}) was imported, not those at line ${calls
        .slice(1)
        .map((c) => pos(c.getStart(file)).line)
        .join(', ')}`,
    );
  const reader = new LiteralReader(ts, file, pos);
  const arg = call.arguments[0];
  if (!arg)
    throw new ImportFormatError(
      'STUDIO_IMPORT_UNSUPPORTED',
      'createMachine() is called without a config',
      pos(call.getStart(file)),
      'pass the machine config as a literal object: createMachine({ initial: …, states: { … } })',
    );
  const configNode = unwrap(ts, arg);
  const declared = ts.isIdentifier(configNode) ? topLevelConst(ts, file, configNode.text) : undefined;
  if (ts.isIdentifier(configNode) && !declared)
    throw new ImportFormatError(
      'STUDIO_IMPORT_UNSUPPORTED',
      `the config \`${configNode.text}\` is not a top-level const of this file`,
      pos(configNode.getStart(file)),
      'write the config in the createMachine call, or as `const config = { … }` at the top level of the same file',
    );
  const objectNode = unwrap(ts, declared ?? configNode);
  if (!ts.isObjectLiteralExpression(objectNode))
    throw reader.unsupported(objectNode, 'the machine config must be a literal object');
  const config = reader.object(objectNode, 0, (key) => !TYPE_ONLY_KEYS.has(key));
  const out: TsMachine = { config, warnings };
  // Palestra's own export writes the guards' and actions' definitions beside the machine: read them
  // when they are literal data, so that exporting and importing again keeps them.
  for (const which of ['guards', 'actions'] as const) {
    const node = topLevelConst(ts, file, which);
    if (!node) continue;
    try {
      const value = unwrap(ts, node);
      if (ts.isObjectLiteralExpression(value)) out[which] = reader.object(value, 0);
    } catch (e) {
      if (!(e instanceof ImportFormatError)) throw e;
      warnings.push(
        `the file's \`${which}\` object is code, not data (${e.message}): each ${which === 'guards' ? 'guard' : 'action'} the machine names starts as a placeholder`,
      );
    }
  }
  return out;
}

function tooDeepToParse(): ImportFormatError {
  return new ImportFormatError(
    'STUDIO_IMPORT_TOO_DEEP',
    'the file nests too deeply to be parsed',
    undefined,
    'check that this is the machine file; a machine config needs only literal data',
  );
}

/** Every machine-creating call, in file order: an explicit stack, not recursion (see nesting.ts). */
function findMachineCalls(ts: TsApi, file: TS.SourceFile): TS.CallExpression[] {
  const found: TS.CallExpression[] = [];
  const stack: TS.Node[] = [file];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : undefined;
      if (name === 'createMachine' || (name === 'Machine' && ts.isIdentifier(callee))) found.push(node);
    }
    const children: TS.Node[] = [];
    ts.forEachChild(node, (child) => {
      children.push(child);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return found.sort((a, b) => a.pos - b.pos);
}

/** The initializer of a top-level `const name = …` (exported or not). */
function topLevelConst(ts: TsApi, file: TS.SourceFile, name: string): TS.Expression | undefined {
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of statement.declarationList.declarations)
      if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  }
  return undefined;
}

/** Looks through what only types or groups a value: `( … )`, `… as T`, `… satisfies T`, `<T>…`, `…!`. */
function unwrap(ts: TsApi, node: TS.Expression): TS.Expression {
  let n = node;
  for (;;) {
    if (
      ts.isParenthesizedExpression(n) ||
      ts.isAsExpression(n) ||
      ts.isSatisfiesExpression(n) ||
      ts.isTypeAssertionExpression(n) ||
      ts.isNonNullExpression(n)
    )
      n = n.expression;
    else return n;
  }
}

/** Turns literal syntax into JSON values, refusing everything else where it stands. */
class LiteralReader {
  constructor(
    private readonly ts: TsApi,
    private readonly file: TS.SourceFile,
    private readonly pos: (offset: number) => ImportPosition,
  ) {}

  unsupported(node: TS.Node, what: string): ImportFormatError {
    return new ImportFormatError(
      'STUDIO_IMPORT_UNSUPPORTED',
      `${what} (\`${snippet(node.getText(this.file))}\`)`,
      this.pos(node.getStart(this.file)),
      'the importer reads literal data only and never runs the file: write the value itself, and name guards and actions by string (guard: "isValid"); their code is written in the studio',
    );
  }

  /** `depth` is bounded by `checkSourceNesting`, which ran before the parser. */
  value(node: TS.Expression, depth: number): unknown {
    const ts = this.ts;
    const n = unwrap(ts, node);
    if (ts.isObjectLiteralExpression(n)) return this.object(n, depth + 1);
    if (ts.isArrayLiteralExpression(n))
      return n.elements.map((e) => {
        if (ts.isSpreadElement(e)) throw this.unsupported(e, 'a spread (`...`) is code, not data');
        if (ts.isOmittedExpression(e)) throw this.unsupported(n, 'an array with a hole');
        return this.value(e, depth + 1);
      });
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
    if (ts.isNumericLiteral(n)) return this.number(n, Number(n.text));
    if (
      ts.isPrefixUnaryExpression(n) &&
      (n.operator === ts.SyntaxKind.MinusToken || n.operator === ts.SyntaxKind.PlusToken) &&
      ts.isNumericLiteral(n.operand)
    )
      return this.number(n, (n.operator === ts.SyntaxKind.MinusToken ? -1 : 1) * Number(n.operand.text));
    if (n.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (n.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (n.kind === ts.SyntaxKind.NullKeyword) return null;
    throw this.unsupported(n, describe(ts, n));
  }

  /** An object literal; `keep` decides which keys are read at all (the others are skipped unread). */
  object(
    n: TS.ObjectLiteralExpression,
    depth: number,
    keep: (key: string) => boolean = () => true,
  ): Record<string, unknown> {
    const ts = this.ts;
    const out: Record<string, unknown> = {};
    for (const p of n.properties) {
      if (ts.isSpreadAssignment(p)) throw this.unsupported(p, 'a spread (`...`) is code, not data');
      if (ts.isShorthandPropertyAssignment(p))
        throw this.unsupported(p, `\`${p.name.text}\` names a variable; write its value`);
      if (!ts.isPropertyAssignment(p)) throw this.unsupported(p, 'a method or accessor is code, not data');
      const key = this.key(p.name);
      if (!keep(key)) continue;
      // Defined, not assigned: a key "__proto__" stays a key, as JSON.parse makes it.
      Object.defineProperty(out, key, {
        value: this.value(p.initializer, depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  private key(name: TS.PropertyName): string {
    const ts = this.ts;
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name))
      return name.text;
    if (ts.isNumericLiteral(name)) return String(Number(name.text));
    if (ts.isComputedPropertyName(name))
      throw this.unsupported(name, 'a computed key (`[…]`) is code, not data');
    throw this.unsupported(name, 'a private name is not data');
  }

  private number(node: TS.Node, value: number): number {
    if (!Number.isFinite(value)) throw this.unsupported(node, 'a number JSON cannot hold');
    return value;
  }
}

/** What a refused node is, in words. */
function describe(ts: TsApi, n: TS.Node): string {
  if (ts.isCallExpression(n) || ts.isNewExpression(n)) return 'a function call is code, not data';
  if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) return 'a function is code, not data';
  if (ts.isIdentifier(n))
    return n.text === 'undefined'
      ? '`undefined` is not data; leave the key out'
      : `\`${n.text}\` names a variable; write its value`;
  if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n))
    return 'a property of a variable is code; write its value';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the message names the syntax it refuses
  if (ts.isTemplateExpression(n)) return 'a template string with `${…}` is code; write the string itself';
  if (ts.isBinaryExpression(n) || ts.isPrefixUnaryExpression(n) || ts.isConditionalExpression(n))
    return 'an expression is code, not data; write its value';
  if (ts.isBigIntLiteral(n)) return 'a BigInt is not JSON data';
  if (ts.isRegularExpressionLiteral(n)) return 'a regular expression is not data';
  return `${ts.SyntaxKind[n.kind]} is not literal data`;
}

/** The start of a node's text on one line, for a message. */
function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
