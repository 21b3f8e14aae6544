// Importing machines of other formats into the studio's database, as the import action does (a
// posted form), against a real PGlite database and content store: converted machines become
// environments with their report; refusals say where and write nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ContentStore } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { xstateTs } from '../../app/export/xstateTs.ts';
import type { StudioContext } from '../context.ts';
import { createRepository, type OpenedDatabase, openDatabase } from '../db/index.ts';
import { importFromRequest, MAX_IMPORT_BYTES } from '../importSpec.ts';

let tmp: string;
let opened: OpenedDatabase;
let context: StudioContext;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-import-formats-'));
  opened = await openDatabase({ dir: join(tmp, 'db') });
  context = { repo: createRepository(opened.db), storeDir: join(tmp, 'store'), runsDir: join(tmp, 'runs') };
});

after(async () => {
  await opened?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const written = async () => ({
  environments: (await context.repo.listEnvironments()).length,
  store: (() => {
    try {
      return readdirSync(context.storeDir).length;
    } catch {
      return 0;
    }
  })(),
});

/** A form as the page posts it: a file in `spec`, or pasted text in `text`. */
function post(fields: { file?: { text: string; name: string }; text?: string }): Request {
  const form = new FormData();
  if (fields.file) form.set('spec', new Blob([fields.file.text]), fields.file.name);
  else form.set('spec', new Blob([]), '');
  form.set('text', fields.text ?? '');
  return new Request('http://studio.test/import', { method: 'POST', body: form });
}

test('an XState TypeScript file becomes an environment with its machine; the report names what to fill', async () => {
  const spec = loadCatalog('tally').spec;
  const out = await importFromRequest(post({ file: { text: xstateTs(spec), name: 'tally.ts' } }), context);
  assert.ok(out.ok, JSON.stringify(!out.ok && out.problem));
  if (!out.ok) return;
  assert.equal(out.environment.name, 'tally');
  assert.equal(out.conversion?.format, 'XState TypeScript');
  const root = out.environment.headRoot;
  assert.ok(root, 'a first version');
  const stored = await new ContentStore(context.storeDir).getSource(root);
  assert.deepEqual(stored.spec.machine, spec.machine);
  assert.deepEqual(stored.spec.guards, spec.guards, 'the definitions the export wrote came back');
  assert.deepEqual(out.conversion?.placeholders, { guards: [], actions: [] });
});

test('a pasted Mermaid diagram is sniffed by its content and imported', async () => {
  const text = 'stateDiagram-v2\n  [*] --> idle\n  idle --> busy : START [ready]\n  busy --> [*]\n';
  const out = await importFromRequest(post({ text }), context);
  assert.ok(out.ok);
  if (!out.ok) return;
  assert.equal(out.conversion?.format, 'Mermaid');
  assert.deepEqual(out.conversion?.placeholders.guards, ['ready']);
  assert.deepEqual(out.conversion?.tools, ['START']);
});

test('refusals carry the line and column (or the limit) and write nothing', async () => {
  const before = await written();
  const mermaid = await importFromRequest(
    post({ file: { text: 'stateDiagram-v2\n  [*] --> a\n  a => b\n', name: 'bad.mmd' } }),
    context,
  );
  assert.ok(!mermaid.ok);
  if (!mermaid.ok) {
    assert.equal(mermaid.problem.status, 400);
    assert.deepEqual(mermaid.problem.position, { line: 3, column: 3 });
    assert.match(
      mermaid.problem.message,
      /^bad\.mmd could not be read: line 3, column 3: cannot read `a => b`/,
    );
    assert.ok(mermaid.problem.hint);
  }
  const hostile = await importFromRequest(
    post({
      file: {
        text: 'createMachine({ initial: "a", states: { a: { entry: fetch("http://x") } } })',
        name: 'm.ts',
      },
    }),
    context,
  );
  assert.ok(
    !hostile.ok && hostile.problem.position?.line === 1 && /function call/.test(hostile.problem.message),
  );
  const invalid = await importFromRequest(
    post({
      file: {
        text: JSON.stringify({ initial: 'a', states: { a: { on: { GO: 'nowhere' } } } }),
        name: 'x.json',
      },
    }),
    context,
  );
  assert.ok(!invalid.ok);
  if (!invalid.ok) {
    assert.match(invalid.problem.message, /XState JSON machine converts to a GymSpec that does not validate/);
    assert.ok(invalid.problem.issues?.some((i) => i.path.startsWith('$.machine.states.a.on.GO')));
  }
  const deep = await importFromRequest(
    post({ file: { text: `{"states":${'['.repeat(100_000)}`, name: 'deep.json' } }),
    context,
  );
  assert.ok(!deep.ok && /nests deeper than 128/.test(deep.problem.message));
  const neither = await importFromRequest(post({ text: 'hello, a plain note' }), context);
  assert.ok(
    !neither.ok &&
      /is not a GymSpec, an XState machine or a Mermaid state diagram/.test(neither.problem.message),
  );
  const huge = await importFromRequest(
    post({ file: { text: `createMachine({})${' '.repeat(MAX_IMPORT_BYTES)}`, name: 'huge.ts' } }),
    context,
  );
  assert.ok(!huge.ok && huge.problem.status === 413);
  assert.deepEqual(await written(), before);
});
