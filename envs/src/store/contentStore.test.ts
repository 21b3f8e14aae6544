import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { bundleBytes, bundleId } from '../bundle/bundle.ts';
import { PalestraError } from '../errors.ts';
import { ContentStore, checkRoot, defaultStoreDir, isRoot } from './contentStore.ts';

const tmp = mkdtempSync(join(tmpdir(), 'palestra-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshStore = () => new ContentStore(join(tmp, `store-${n++}`));

function code(expected: string, hint?: RegExp) {
  return (e: unknown) =>
    e instanceof PalestraError &&
    e.code === expected &&
    typeof e.hint === 'string' &&
    (hint === undefined || hint.test(e.hint));
}

test('put → get round trip: the file is named by its root, the root is the bundle id', async () => {
  const store = freshStore();
  const lake = loadCatalog('frozen-lake');
  const root = await store.putSource(lake);
  assert.equal(root, await bundleId(lake));
  assert.deepEqual(store.roots(), [root]);
  assert.deepEqual(readFileSync(join(store.dir, root)), Buffer.from(bundleBytes(lake)));
  assert.ok(store.has(root));
  assert.deepEqual(await store.get(root), bundleBytes(lake));
  assert.deepEqual(await store.getSource(root), lake);
  // A root in capitals names the same file.
  assert.deepEqual(await store.get(`0x${root.slice(2).toUpperCase()}`), bundleBytes(lake));
  // Idempotent: a second put changes nothing, and any bytes can be stored.
  assert.equal(await store.putSource(lake), root);
  const hello = await store.put(new TextEncoder().encode('hello world'));
  assert.equal(hello, '0x62c5d8e26d8bb05622e88c9819283ad82e722db87816f1962ce2810ea565aae5');
  assert.deepEqual(store.roots(), [root, hello].sort());
});

test('concurrent puts of the same bytes all succeed and leave one complete file, no temporary files', async () => {
  const store = freshStore();
  const bytes = bundleBytes(loadCatalog('refund-desk'));
  const roots = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
  assert.equal(new Set(roots).size, 1);
  assert.deepEqual(readdirSync(store.dir), [roots[0]]);
  assert.deepEqual(await store.get(roots[0]!), bytes);
});

test('a corrupt file (one byte flipped) is STORE_CORRUPT naming the file; put repairs it', async () => {
  const store = freshStore();
  const lake = loadCatalog('frozen-lake');
  const root = await store.putSource(lake);
  const file = join(store.dir, root);
  const bytes = readFileSync(file);
  bytes[100] = bytes[100]! ^ 0x01;
  writeFileSync(file, bytes);
  await assert.rejects(store.get(root), (e: unknown) => {
    assert.ok(code('STORE_CORRUPT', /delete/)(e));
    assert.ok((e as PalestraError).message.includes(file));
    assert.equal((e as PalestraError).details.file, file);
    return true;
  });
  await assert.rejects(store.getSource(root), code('STORE_CORRUPT'));
  assert.equal(await store.putSource(lake), root);
  assert.deepEqual(await store.getSource(root), lake);
});

test('a root the store does not hold is NOT_IN_STORE', async () => {
  const store = freshStore();
  const root = `0x${'ab'.repeat(32)}`;
  assert.equal(store.has(root), false);
  await assert.rejects(store.get(root), code('NOT_IN_STORE', /palestra check/));
  await assert.rejects(store.getSource(root), code('NOT_IN_STORE'));
  assert.deepEqual(store.roots(), []);
});

test('anything but 0x + 64 hex digits is BAD_ROOT, before the file system is touched', async () => {
  const store = freshStore();
  const bad = [
    '',
    '0x',
    `0x${'a'.repeat(63)}`,
    `0x${'a'.repeat(65)}`,
    `${'a'.repeat(66)}`,
    `0x${'g'.repeat(64)}`,
    '../../etc/passwd',
    `0x${'a'.repeat(62)}/.`,
    `../0x${'a'.repeat(64)}`,
    `0x${'a'.repeat(64)}\n`,
  ];
  for (const ref of bad) {
    assert.equal(isRoot(ref), false, JSON.stringify(ref));
    assert.throws(() => checkRoot(ref), code('BAD_ROOT'), JSON.stringify(ref));
    assert.throws(() => store.has(ref), code('BAD_ROOT'), JSON.stringify(ref));
    await assert.rejects(store.get(ref), code('BAD_ROOT'), JSON.stringify(ref));
  }
  assert.equal(checkRoot(`0x${'AB'.repeat(32)}`), `0x${'ab'.repeat(32)}`);
});

test('two stores in two folders are independent', async () => {
  const a = freshStore();
  const b = freshStore();
  const lake = await a.putSource(loadCatalog('frozen-lake'));
  const desk = await b.putSource(loadCatalog('refund-desk'));
  assert.ok(a.has(lake) && !a.has(desk));
  assert.ok(b.has(desk) && !b.has(lake));
  await assert.rejects(b.get(lake), code('NOT_IN_STORE'));
  assert.deepEqual(a.roots(), [lake]);
  assert.deepEqual(b.roots(), [desk]);
});

test('the default store is .palestra/store under the working directory', () => {
  assert.equal(new ContentStore().dir, join(process.cwd(), '.palestra', 'store'));
  assert.equal(defaultStoreDir('/w'), join('/w', '.palestra', 'store'));
});
