import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleId, ContentStore, readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { episodeEnv, episodeSource, jobSource } from './env.ts';

function tempStore(t: { after: (fn: () => void) => void }): ContentStore {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return new ContentStore(dir);
}

test('jobSource resolves a catalog name, a folder, a root or a source, and files each in the store', async (t) => {
  const store = tempStore(t);
  const lake = await jobSource('frozen-lake', { store });
  assert.equal(lake.spec.name, 'frozen-lake');
  const root = await bundleId(lake);
  assert.ok(store.has(root), 'the resolved bundle is in the store');
  assert.equal((await jobSource(root, { store })).spec.name, 'frozen-lake');
  assert.equal((await jobSource(join(CATALOG_DIR, 'echo-target'), { store })).spec.name, 'echo-target');
  const source = loadCatalog('tally');
  assert.equal(await jobSource(source, { store }), source);
  assert.ok(store.has(await bundleId(source)));
  await assert.rejects(jobSource('no-such-env', { store }), { code: 'ENV_NOT_FOUND' });
});

test('episodeSource is the environment with the root an episode records, unless one is named instead', async (t) => {
  const store = tempStore(t);
  const episode = readEpisode(join(CATALOG_DIR, 'echo-target', 'golden', 'seed-0.jsonl'));
  const found = await episodeEnv(episode, undefined, { store });
  assert.equal(found.source.spec.name, 'echo-target');
  assert.equal(found.root, episode.header.spec.root);
  assert.equal(found.override, false);
  assert.equal((await episodeSource(episode.header, undefined, { store })).spec.name, 'echo-target');
  const other = await episodeEnv(episode, 'frozen-lake', { store });
  assert.equal(other.source.spec.name, 'frozen-lake');
  assert.deepEqual([other.override, other.rootDiffers], [true, true]);
});
