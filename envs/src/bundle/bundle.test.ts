import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogNames, loadCatalog } from '../../catalog/index.ts';
import { PalestraError } from '../errors.ts';
import { envSource } from '../kernel/source.ts';
import { BUNDLE_FORMAT, bundleBytes, bundleId, merkleRoot, sourceOfBundle } from './bundle.ts';

test('same content → same id, whatever the key order; any change → a new id', async () => {
  const lake = loadCatalog('frozen-lake');
  const a = await bundleId(lake);
  assert.match(a, /^0x[0-9a-f]{64}$/);
  const reordered = Object.fromEntries(Object.entries(structuredClone(lake.spec)).reverse());
  assert.equal(await bundleId(envSource(reordered, {})), a);
  const changed = structuredClone(lake.spec);
  changed.limits.maxSteps = 99;
  assert.notEqual(await bundleId({ spec: changed, files: {} }), a);
  assert.notEqual(await bundleId({ spec: lake.spec, files: { 'x.js': 'export const x = 1;' } }), a);
});

test('the id is the 0G Merkle root of the canonical bytes (fixed vector)', async () => {
  assert.equal(
    await merkleRoot(new TextEncoder().encode('hello world')),
    '0x62c5d8e26d8bb05622e88c9819283ad82e722db87816f1962ce2810ea565aae5',
  );
  const bytes = bundleBytes(loadCatalog('echo-target'));
  assert.ok(new TextDecoder().decode(bytes).startsWith('{"files":{},"format":"palestra-bundle/1"'));
});

test('bundle bytes decode back to the same environment: every catalog environment round-trips', async () => {
  const names = catalogNames();
  assert.ok(names.length >= 5, `the catalog lists ${names.length} environments`);
  for (const name of names) {
    const source = loadCatalog(name);
    const bytes = bundleBytes(source);
    const back = sourceOfBundle(bytes);
    assert.deepEqual(back, source, name);
    assert.deepEqual(bundleBytes(back), bytes, name);
    assert.equal(await bundleId(back), await bundleId(source), name);
  }
});

test('malformed bundle bytes are BUNDLE_INVALID with a hint', () => {
  const lake = JSON.parse(new TextDecoder().decode(bundleBytes(loadCatalog('frozen-lake'))));
  const encode = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not UTF-8/],
    ['not JSON', encode('{"format":'), /not JSON/],
    ['an array', encode([1, 2]), /\$/],
    ['no files', encode({ format: BUNDLE_FORMAT, spec: lake.spec }), /\$\.files/],
    ['a file that is not text', encode({ ...lake, files: { 'a.js': 1 } }), /\$\.files\.a\.js/],
    ['another format', encode({ ...lake, format: 'palestra-bundle/2' }), /palestra-bundle\/2/],
    ['an invalid spec', encode({ ...lake, spec: { ...lake.spec, machine: 7 } }), /spec does not validate/],
    ['too deep', encode(`{"format":"x","spec":${'['.repeat(200)}${']'.repeat(200)},"files":{}}`), /deeper/],
  ];
  for (const [what, bytes, message] of cases)
    assert.throws(
      () => sourceOfBundle(bytes),
      (e: unknown) =>
        e instanceof PalestraError &&
        e.code === 'BUNDLE_INVALID' &&
        message.test(e.message) &&
        typeof e.hint === 'string' &&
        e.hint.length > 0,
      what,
    );
});
