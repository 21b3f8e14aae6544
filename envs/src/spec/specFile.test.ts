import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CATALOG_DIR, loadCatalog } from '../../catalog/index.ts';
import { SpecError } from '../errors.ts';
import { jsonPathAt, jsonSyntaxError, lineColumn } from './jsonText.ts';
import { looksLikeYaml, parseSpecBytes, readSpecFile } from './specFile.ts';

test('jsonSyntaxError agrees with JSON.parse on what is JSON (property)', () => {
  // Valid JSON from fast-check, and the same text with one character changed.
  fc.assert(
    fc.property(
      fc.json(),
      fc.nat(),
      fc.constantFrom(',', '}', ']', ':', '"', 'x', ' ', '0', '\\'),
      (text, at, ch) => {
        assert.equal(jsonSyntaxError(text), undefined, text);
        const i = at % (text.length + 1);
        const broken = text.slice(0, i) + ch + text.slice(i + 1);
        let valid = true;
        try {
          JSON.parse(broken);
        } catch {
          valid = false;
        }
        assert.equal(jsonSyntaxError(broken) === undefined, valid, broken);
      },
    ),
    { numRuns: 2000, seed: 11 },
  );
});

test('jsonSyntaxError says where, what was expected, and in which value', () => {
  assert.deepEqual(jsonSyntaxError('{"a": [1, 2,]}'), {
    offset: 12,
    line: 1,
    column: 13,
    expected: 'a value (a string in double quotes, a number, true, false, null, { or [)',
    path: '$.a[2]',
  });
  assert.deepEqual(jsonSyntaxError('{"a": 1 "b": 2}')?.path, '$');
  assert.equal(jsonSyntaxError('{"a": tru}')?.expected, 'a value (did you mean true?)');
  assert.equal(
    jsonSyntaxError('{"a": "x\ny"}')?.expected,
    'a closing quote (control characters must be escaped)',
  );
  assert.equal(
    jsonSyntaxError('{"a": 1} {')?.expected,
    'the end of the text (there is more after the JSON value)',
  );
  assert.equal(jsonSyntaxError('{"a": [')?.expected, 'more JSON (the text ends too early)');
  // Deep text is scanned without recursion.
  assert.equal(jsonSyntaxError(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), undefined);
});

test('jsonPathAt names the value or key that holds a character', () => {
  const text = '{"tasks": {"list": [{"id": "a"}, {"id": "b", "data": {"odd key": "xyz"}}]}}';
  assert.equal(jsonPathAt(text, text.indexOf('"b"') + 1), '$.tasks.list[1].id');
  assert.equal(jsonPathAt(text, text.indexOf('xyz')), '$.tasks.list[1].data["odd key"]');
  assert.equal(jsonPathAt(text, text.indexOf('odd')), '$.tasks.list[1].data["odd key"]');
  assert.deepEqual(lineColumn('a\nbc\nd', 4), { line: 2, column: 3 });
});

test('looksLikeYaml: YAML documents yes, JSON and garbage no', () => {
  assert.ok(looksLikeYaml('name: door\n'));
  assert.ok(looksLikeYaml('# a spec\n---\nname: door'));
  assert.ok(looksLikeYaml('- a\n- b\n'));
  assert.ok(!looksLikeYaml('{"name": door}'));
  assert.ok(!looksLikeYaml('<html>'));
});

const tmp = mkdtempSync(join(tmpdir(), 'palestra-specfile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('readSpecFile reads the catalog exactly as JSON.parse does', () => {
  const file = join(CATALOG_DIR, 'refund-desk', 'spec.json');
  assert.deepEqual(readSpecFile(file), JSON.parse(readFileSync(file, 'utf8')));
  assert.throws(() => readSpecFile(join(tmp, 'missing.json')), { code: 'SPEC_UNREADABLE' });
  assert.throws(() => readSpecFile(tmp), { code: 'SPEC_UNREADABLE' });
});

test('a UTF-8 byte order mark is allowed, and byte offsets still count it', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  assert.deepEqual(parseSpecBytes(Buffer.concat([bom, Buffer.from('{"a": "b"}')]), 'bom.json'), { a: 'b' });
  const bad = Buffer.concat([bom, Buffer.from('{"a": "'), Buffer.from([0xff]), Buffer.from('"}')]);
  assert.throws(
    () => parseSpecBytes(bad, 'bom.json'),
    (e: unknown) =>
      e instanceof SpecError &&
      e.issues[0]!.path === '$.a' &&
      /at byte offset 10 \(line 1, column 8: ff 22 7d…\)/.test(e.issues[0]!.message),
  );
});

test('a spec file path (not only a folder) loads, with the modules beside it', () => {
  const source = loadCatalog(join(CATALOG_DIR, 'frozen-lake-js', 'spec.json'));
  assert.equal(source.spec.name, 'frozen-lake-js');
  assert.ok(Object.keys(source.files).length > 0);
});

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

test('palestra check on a 100,000-deep spec exits 1 with the depth error and no RangeError', () => {
  const spec = JSON.parse(readFileSync(join(CATALOG_DIR, 'frozen-lake', 'spec.json'), 'utf8'));
  spec.context.initial.deep = 'X';
  const text = JSON.stringify(spec).replace('"X"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  writeFileSync(join(tmp, 'spec.json'), text);
  const r = spawnSync(process.execPath, [join(ROOT, 'runtime/bin/palestra.js'), 'check', tmp], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /RangeError|Maximum call stack/);
  assert.match(
    r.stderr,
    new RegExp(
      `${join(tmp, 'spec.json').replace(/[.]/g, '\\.')} nests deeper than 128 levels at line 1, column \\d+ \\(\\$\\.context\\.initial\\.deep\\[0\\]…`,
    ),
  );
  assert.match(r.stderr, /flatten the data/);
});
