import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CATALOG_DIR, loadCatalog } from '../../catalog/index.ts';
import { bundleId } from '../bundle/bundle.ts';
import { PalestraError } from '../errors.ts';
import type { GymSpec } from '../spec/schema.ts';
import { ContentStore } from './contentStore.ts';
import { EnvChangedError, EpisodeEnvNotFoundError } from './errors.ts';
import { resolveEnv, resolveEpisodeEnv } from './resolveEnv.ts';

const tmp = mkdtempSync(join(tmpdir(), 'palestra-resolve-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshStore = () => new ContentStore(join(tmp, `store-${n++}`));
const code = (expected: string) => (e: unknown) =>
  e instanceof PalestraError && e.code === expected && !!e.hint;

/** A copy of a catalog environment under another name, with an edit to its parsed spec.json. */
function copyEnv(from: string, name: string, edit: (spec: GymSpec) => void = () => {}): string {
  const dir = join(tmp, `${name}-${n++}`);
  cpSync(join(CATALOG_DIR, from), dir, { recursive: true });
  const spec: GymSpec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8'));
  spec.name = name;
  edit(spec);
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec, null, 2));
  return dir;
}

test('a catalog name, a folder and a spec file resolve and are stored; a root reads them back', async () => {
  const store = freshStore();
  const byName = await resolveEnv('frozen-lake', { store });
  assert.equal(byName.from, 'catalog');
  assert.equal(byName.root, await bundleId(loadCatalog('frozen-lake')));
  assert.deepEqual(store.roots(), [byName.root]);

  const dir = copyEnv('frozen-lake-js', 'lake-copy');
  const byFolder = await resolveEnv(dir, { store });
  assert.equal(byFolder.from, 'folder');
  assert.equal(byFolder.source.spec.name, 'lake-copy');
  assert.ok(Object.keys(byFolder.source.files).length > 0, 'the modules come along');
  const byFile = await resolveEnv(join(dir, 'spec.json'), { store });
  assert.equal(byFile.root, byFolder.root);
  assert.equal(store.roots().length, 2);

  const byRoot = await resolveEnv(byFolder.root, { store });
  assert.equal(byRoot.from, 'store');
  assert.deepEqual(byRoot.source, byFolder.source);
  assert.equal(
    (await resolveEnv(byFolder.root.toUpperCase().replace('0X', '0x'), { store })).root,
    byFolder.root,
  );
});

test('a root not in the store: the catalog environment with that root, else NOT_IN_STORE', async () => {
  const store = freshStore();
  const desk = await bundleId(loadCatalog('refund-desk'));
  const found = await resolveEnv(desk, { store });
  assert.equal(found.from, 'catalog');
  assert.equal(found.source.spec.name, 'refund-desk');
  assert.ok(store.has(desk), 'stored on the way');
  await assert.rejects(resolveEnv(`0x${'0'.repeat(64)}`, { store }), code('NOT_IN_STORE'));
});

test('an unknown name is ENV_NOT_FOUND; a half root is BAD_ROOT', async () => {
  const store = freshStore();
  await assert.rejects(resolveEnv('no-such-env', { store }), code('ENV_NOT_FOUND'));
  await assert.rejects(resolveEnv('0x1c0e0a56', { store }), code('BAD_ROOT'));
  assert.deepEqual(store.roots(), []);
});

test('an episode header: its root from the store, or the named catalog environment only with that root', async () => {
  const lake = loadCatalog('frozen-lake');
  const root = await bundleId(lake);
  const header = { spec: { name: 'frozen-lake', version: lake.spec.version, root } };

  const store = freshStore();
  const first = await resolveEpisodeEnv(header, { store });
  assert.deepEqual(
    { from: first.from, root: first.root, override: first.override, unverified: first.unverified },
    { from: 'catalog', root, override: false, unverified: false },
  );
  const second = await resolveEpisodeEnv(header, { store });
  assert.equal(second.from, 'store');
  assert.deepEqual(second.source, lake);

  // Recorded by another version of frozen-lake: the catalog's is not that one.
  const other = `0x${'12'.repeat(32)}`;
  await assert.rejects(
    resolveEpisodeEnv({ spec: { ...header.spec, root: other } }, { store }),
    (e: unknown) => {
      assert.ok(e instanceof EnvChangedError && code('ENV_CHANGED')(e));
      assert.match(e.message, /0x12121212…/);
      assert.match(e.message, new RegExp(`${root.slice(0, 10)}…`));
      assert.match(e.hint!, new RegExp(`recorded with bundle ${other}; pass --env <folder>`));
      return true;
    },
  );
  // Recorded by an environment nobody has.
  await assert.rejects(
    resolveEpisodeEnv({ spec: { name: 'gone-env', version: '1.0.0', root: other } }, { store }),
    (e: unknown) => e instanceof EpisodeEnvNotFoundError && code('ENV_NOT_FOUND')(e) && /--env/.test(e.hint!),
  );
  // A malformed root in a header is refused, not looked up.
  await assert.rejects(
    resolveEpisodeEnv({ spec: { ...header.spec, root: '../x' } }, { store }),
    code('BAD_ROOT'),
  );
});

test('an explicit env overrides the header whatever its root; a header without a root is found by name, unverified', async () => {
  const store = freshStore();
  const dir = copyEnv('frozen-lake', 'frozen-lake', (spec) => {
    spec.limits.maxSteps = 50;
  });
  const header = {
    spec: { name: 'frozen-lake', version: '1.0.0', root: await bundleId(loadCatalog('frozen-lake')) },
  };
  const chosen = await resolveEpisodeEnv(header, { store, env: dir });
  assert.deepEqual(
    {
      from: chosen.from,
      override: chosen.override,
      rootDiffers: chosen.rootDiffers,
      unverified: chosen.unverified,
    },
    { from: 'folder', override: true, rootDiffers: true, unverified: false },
  );
  assert.equal(chosen.source.spec.limits.maxSteps, 50);
  const same = await resolveEpisodeEnv(header, { store, env: 'frozen-lake' });
  assert.equal(same.rootDiffers, false);

  const old = await resolveEpisodeEnv(
    { spec: { name: 'frozen-lake', version: '1.0.0', root: null } },
    { store },
  );
  assert.deepEqual(
    { from: old.from, override: old.override, rootDiffers: old.rootDiffers, unverified: old.unverified },
    { from: 'catalog', override: false, rootDiffers: false, unverified: true },
  );
});
