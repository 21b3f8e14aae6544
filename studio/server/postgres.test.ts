// The studio's loaders and actions once against a real PostgreSQL server (`.ci/run` starts one
// from Debian's packages and sets PALESTRA_TEST_DATABASE_URL; without it this is shown as skipped):
// start on it, import a spec through the import action, open the new environment's canvas and
// simulate pages by their id, and find it listed on the home page; commit, roll back and export a
// version through the versions action.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { docParts } from '../app/doc/schema.ts';
import { SESSION_COOKIE } from './auth/sessionCookie.ts';
import { ensureBuild } from './build.ts';
import { connect } from './collab/testClient.ts';
import { importSpecText } from './importSpec.ts';
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

test('on PostgreSQL: commit a version, roll back to the first, export it', { skip }, async () => {
  const s = studio!;
  const spec = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../envs/catalog/frozen-lake/spec.json', import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;
  const name = `pg-versions-${Date.now().toString(36)}`;
  const first = await importSpecText(JSON.stringify({ ...spec, name }), s.context, 'lake.json');
  assert.ok(first.ok);
  const env = first.environment;
  const { signed } = await s.membership.ownerSession();
  // A browser's edit, saved: the description in the document's header.
  const browser = connect(s.url, env.id, signed);
  try {
    await browser.whenSynced();
    docParts(browser.doc).header.set('description', 'edited on PostgreSQL');
    await browser.whenSaved();
  } finally {
    browser.destroy();
  }
  const post = (fields: Record<string, string>) =>
    fetch(new URL(`/env/${env.id}/versions`, s.url), {
      method: 'POST',
      headers: { accept: 'application/json', cookie: `${SESSION_COOKIE}=${signed}` },
      body: new URLSearchParams(fields),
    });
  const committed = await post({ intent: 'commit', message: 'describe it' });
  assert.equal(committed.status, 200, await committed.clone().text());
  const { root } = (await committed.json()) as { root: string };
  const versions = await s.context.repo.listVersions(env.id);
  assert.deepEqual(
    versions.map((v) => [v.root, v.note, v.parentRoot]),
    [
      [root, 'describe it', env.headRoot],
      [env.headRoot, 'imported from lake.json', null],
    ],
  );
  const back = await post({ intent: 'rollback', seq: String(versions[1]!.seq) });
  assert.equal(back.status, 200, await back.clone().text());
  assert.equal(((await back.json()) as { root: string }).root, env.headRoot);
  assert.equal((await s.context.repo.getEnvironment(env.id))?.headRoot, env.headRoot);
  const history = await fetch(new URL(`/env/${env.id}/versions`, s.url));
  assert.match(await history.text(), /Roll back to version/);
  const zip = await fetch(new URL(`/env/${env.id}/versions/${versions[0]!.seq}/export`, s.url));
  assert.equal(zip.headers.get('x-palestra-root'), root);
  assert.ok(
    Object.keys(unzipSync(new Uint8Array(await zip.arrayBuffer()))).some((f) => f.endsWith('/spec.json')),
  );
});
