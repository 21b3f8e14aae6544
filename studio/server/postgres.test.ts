// The studio's loaders and actions once against a real PostgreSQL server (`.ci/run` starts one
// from Debian's packages and sets PALESTRA_TEST_DATABASE_URL; without it this is shown as skipped):
// start on it, import a spec through the import action, open the new environment's canvas and
// simulate pages by their id, and find it listed on the home page.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from './build.ts';
import { type Studio, startStudio } from './start.ts';

const url = process.env.PALESTRA_TEST_DATABASE_URL;
const skip = url ? false : 'PALESTRA_TEST_DATABASE_URL not set';

let studio: Studio | undefined;
let tmp: string | undefined;

before(async () => {
  if (skip) return;
  process.env.NODE_ENV ??= 'production';
  await ensureBuild();
  tmp = mkdtempSync(join(tmpdir(), 'palestra-studio-pg-'));
  studio = await startStudio({
    port: 0,
    dir: join(tmp, 'studio'),
    runsDir: join(tmp, 'runs'),
    storeDir: join(tmp, 'store'),
    databaseUrl: url,
    log: () => {},
  });
});

after(async () => {
  await studio?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('on PostgreSQL: import a spec, open its pages by id, see it on the home page', { skip }, async () => {
  const s = studio!;
  const spec = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../envs/catalog/frozen-lake/spec.json', import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;
  // A fresh name per run: the server may hold rows of earlier runs.
  const name = `pg-lake-${Date.now().toString(36)}`;
  const form = new FormData();
  form.set('spec', new Blob([JSON.stringify({ ...spec, name })], { type: 'application/json' }), 'lake.json');
  const res = await fetch(new URL('/import', s.url), { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const env = (await s.context.repo.listEnvironments()).find((e) => e.name === name);
  assert.ok(env, 'the imported environment is in the database');
  for (const path of [`/env/${env.id}`, `/env/${env.id}/simulate`]) {
    const page = await fetch(new URL(path, s.url));
    const html = await page.text();
    assert.equal(page.status, 200, path);
    assert.ok(html.includes(name), `${path} names the environment`);
  }
  assert.ok((await (await fetch(s.url)).text()).includes(name), 'listed on the home page');
  const missing = await fetch(new URL('/env/00000000-0000-4000-8000-000000000000', s.url));
  assert.equal(missing.status, 404);
});
