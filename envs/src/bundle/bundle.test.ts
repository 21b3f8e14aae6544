import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { envSource } from '../kernel/source.ts';
import { bundleBytes, bundleId, merkleRoot } from './bundle.ts';

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
