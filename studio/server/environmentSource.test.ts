// Resolving a page's `:ref`: catalog names (never a path), studio environments by id through the
// content store, and nothing for what neither knows. Real PGlite and a real store in a temp folder.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { ContentStore } from '@palestra/envs/node';
import type { StudioContext } from './context.ts';
import { type OpenedDatabase, openDatabase } from './db/openDatabase.ts';
import { createRepository } from './db/repository.ts';
import { environmentSource } from './environmentSource.ts';

let tmp: string;
let db: OpenedDatabase;
let studio: StudioContext;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'palestra-envsource-'));
  db = await openDatabase({ dir: join(tmp, 'db') });
  studio = { repo: createRepository(db.db), storeDir: join(tmp, 'store'), runsDir: join(tmp, 'runs') };
});

after(async () => {
  await db.close();
  await rm(tmp, { recursive: true, force: true });
});

test('a catalog name loads the catalog environment with its bundle root', async () => {
  const env = await environmentSource(studio, 'refund-desk');
  assert.equal(env?.kind, 'catalog');
  assert.equal(env?.name, 'refund-desk');
  assert.equal(env?.modules, true);
  assert.equal(env?.root, await new ContentStore(studio.storeDir).putSource(loadCatalog('refund-desk')));
});

test('a path or an unknown name is not found', async () => {
  for (const ref of ['nope', '../envs/catalog/refund-desk', 'envs/catalog/frozen-lake'])
    assert.equal(await environmentSource(studio, ref), undefined, ref);
});

test('a studio environment loads its head version from the content store', async () => {
  const source = loadCatalog('frozen-lake');
  const root = await new ContentStore(studio.storeDir).putSource(source);
  const row = await studio.repo.createEnvironment({ name: 'my lake', source: 'import', root });
  const env = await environmentSource(studio, row.id);
  assert.equal(env?.kind, 'studio');
  assert.equal(env?.name, 'my lake');
  assert.equal(env?.root, root);
  assert.deepEqual(env?.spec, source.spec);
  // An environment without a version yet has nothing to show.
  const empty = await studio.repo.createEnvironment({ name: 'empty', source: 'import' });
  assert.equal(await environmentSource(studio, empty.id), undefined);
});
