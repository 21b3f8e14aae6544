/**
 * What a user installs is only what runs: no production package exports test tooling, and no
 * production source imports `@palestra/testing` (only tests and benchmarks may). Sources are read
 * with TypeScript's own parser, not regular expressions, so a doc comment or a string that mentions a
 * name is not taken for an export or an import.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import ts from 'typescript';

const repoRoot = resolve(new URL('../..', import.meta.url).pathname);

/** The packages a user installs (`studio` is an app, `testing` is private). */
const PRODUCTION = ['errors', 'envs', 'overseer', 'runtime', 'contracts'];

/** Words that mark test tooling, in a path or an identifier. */
const TEST_WORDS = new Set(['test', 'tests', 'testing', 'fake', 'fakes', 'mock', 'mocks']);

/** The words of a path or identifier: split at non-alphanumerics and camelCase humps, lower-cased. */
function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function mentionsTesting(s: string): boolean {
  return words(s).some((w) => TEST_WORDS.has(w));
}

/** Every (subpath, target) of a package.json `exports` field, conditions flattened. */
function exportEntries(exports: unknown, key = '.'): { key: string; target: string }[] {
  if (typeof exports === 'string') return [{ key, target: exports }];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.entries(exports).flatMap(([k, v]) => exportEntries(v, k.startsWith('.') ? k : key));
}

function isExported(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

/**
 * The names a module exports, following its relative `export * from` re-exports (a package
 * re-exported by name, like `@palestra/errors` from envs, is checked as a package of its own).
 */
function exportedNames(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const s of source.statements) {
    if (ts.isExportDeclaration(s)) {
      const from = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : null;
      if (!s.exportClause) {
        if (from?.startsWith('.')) names.push(...exportedNames(resolve(dirname(file), from), seen));
      } else if (ts.isNamedExports(s.exportClause)) {
        names.push(...s.exportClause.elements.map((e) => e.name.text));
      } else names.push(s.exportClause.name.text);
    } else if (ts.isExportAssignment(s)) names.push('default');
    else if (isExported(s)) {
      if (ts.isVariableStatement(s))
        for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
      const named = s as ts.Node as { name?: ts.Node };
      if (named.name && ts.isIdentifier(named.name)) names.push(named.name.text);
    }
  }
  return names;
}

/** A production source: not a test, not a benchmark, not test support inside a package (`test/`). */
function isProductionSource(path: string): boolean {
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  return (
    /\.(ts|mts|js|mjs)$/.test(name) &&
    !/\.(test|e2e\.test|bench)\.(ts|mts|js|mjs)$/.test(name) &&
    !parts.includes('bench') &&
    !parts.includes('test')
  );
}

const SKIP = new Set(['node_modules', '.venv', 'dist', '.palestra', 'artifacts', 'runs']);

function listFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, out);
    else out.push(path);
  }
  return out;
}

/** The production sources under `dir` that import `@palestra/testing` (static, type-only or dynamic). */
function testingImporters(dir: string): string[] {
  return listFiles(dir)
    .filter((f) => isProductionSource(relative(dir, f)))
    .filter((f) =>
      ts
        .preProcessFile(readFileSync(f, 'utf8'), true, true)
        .importedFiles.some(
          (i) => i.fileName === '@palestra/testing' || i.fileName.startsWith('@palestra/testing/'),
        ),
    )
    .map((f) => relative(repoRoot, f));
}

function readPackage(dir: string): { name: string; exports?: unknown } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

describe('the checks themselves', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'palestra-boundaries-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('a test word is found in paths and identifiers, and not inside other words', () => {
    for (const s of [
      './testing',
      './src/test/index.ts',
      'fakeClock',
      'MockServer',
      'startLLMTestServer',
      'TEST_CLI',
    ])
      assert.ok(mentionsTesting(s), s);
    for (const s of ['./src/index.ts', 'latest', 'contestWinner', 'attestation', 'checkEnv', './generated'])
      assert.ok(!mentionsTesting(s), s);
  });

  test('conditional exports are flattened', () => {
    assert.deepEqual(exportEntries({ '.': './a.ts', './x': { import: './x.js', types: './x.d.ts' } }), [
      { key: '.', target: './a.ts' },
      { key: './x', target: './x.js' },
      { key: './x', target: './x.d.ts' },
    ]);
  });

  test('exported names follow relative re-exports and ignore comments', () => {
    const dir = join(scratch, 'names');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'index.ts'),
      "/** see fakeSomething in the docs */\nexport * from './a.ts';\nexport { b as c, type D } from './b.ts';\nexport const e = 1, f = 2;\nconst mockG = 3;\n",
    );
    writeFileSync(join(dir, 'a.ts'), 'export function fakeClock() {}\nexport interface Shape {}\n');
    assert.deepEqual(exportedNames(join(dir, 'index.ts')).sort(), ['D', 'Shape', 'c', 'e', 'f', 'fakeClock']);
  });

  test('an import of @palestra/testing is found in a source, and allowed in tests, benches and test/', () => {
    const dir = join(scratch, 'pkg');
    for (const sub of ['src', 'bench', 'test']) mkdirSync(join(dir, sub), { recursive: true });
    const using = "import { startLlmServer } from '@palestra/testing/llm';\n";
    writeFileSync(
      join(dir, 'src', 'judge.ts'),
      `// @palestra/testing is mentioned here only\nexport const a = 1;\n`,
    );
    writeFileSync(join(dir, 'src', 'judge.test.ts'), using);
    writeFileSync(join(dir, 'src', 'page.e2e.test.ts'), using);
    writeFileSync(join(dir, 'src', 'judge.bench.ts'), using);
    writeFileSync(join(dir, 'bench', 'run.ts'), using);
    writeFileSync(join(dir, 'test', 'harness.ts'), using);
    assert.deepEqual(testingImporters(dir), []);
    writeFileSync(
      join(dir, 'src', 'leak.ts'),
      "export const load = () => import('@palestra/testing/llm');\n",
    );
    writeFileSync(join(dir, 'src', 'leakType.ts'), "import type { LlmServer } from '@palestra/testing';\n");
    assert.deepEqual(
      testingImporters(dir).map((f) => f.split('/').pop()),
      ['leak.ts', 'leakType.ts'],
    );
  });
});

describe('production packages ship no test tooling', () => {
  for (const dir of PRODUCTION) {
    const pkgDir = join(repoRoot, dir);
    const pkg = readPackage(pkgDir);

    test(`${pkg.name}: no export path mentions test, testing, fake or mock`, () => {
      const entries = exportEntries(pkg.exports);
      assert.ok(entries.length > 0, `${dir}/package.json has no exports`);
      const bad = entries.filter((e) => mentionsTesting(e.key) || mentionsTesting(e.target));
      assert.deepEqual(bad, [], `${dir}/package.json exports test tooling: move it to @palestra/testing`);
    });

    test(`${pkg.name}: no exported name mentions test, testing, fake or mock`, () => {
      const modules = exportEntries(pkg.exports)
        .map((e) => join(pkgDir, e.target))
        .filter((f) => /\.(ts|mts|js|mjs)$/.test(f));
      const missing = modules.filter((m) => !existsSync(m)).map((m) => relative(repoRoot, m));
      assert.deepEqual(missing, [], `${dir}/package.json exports files that do not exist`);
      const bad = modules.flatMap((m) =>
        exportedNames(m)
          .filter(mentionsTesting)
          .map((n) => `${n} (${relative(repoRoot, m)})`),
      );
      assert.deepEqual(bad, [], `${pkg.name} exports test tooling: move it to @palestra/testing`);
    });

    test(`${pkg.name}: no production source imports @palestra/testing`, () => {
      assert.deepEqual(
        testingImporters(pkgDir),
        [],
        'only tests (*.test.ts), benchmarks (bench/, *.bench.ts) and test/ folders may import @palestra/testing',
      );
    });
  }
});
