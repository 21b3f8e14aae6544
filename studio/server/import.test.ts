// The studio with its database: run folders indexed on start, and importing a GymSpec through the
// `import` action (a valid spec listed on `/`, a malformed one shown with its JSON path and nothing
// written, a body over 10 MB refused with 413). One studio on port 0 in a temporary folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from './build.ts';
import { indexRuns } from './runsIndex.ts';
import { type Studio, startStudio } from './start.ts';

let studio: Studio;
let tmp: string;
const root = `0x${'ab'.repeat(32)}`;

before(async () => {
  process.env.NODE_ENV ??= 'production';
  const build = await ensureBuild();
  if (build.built) console.log(`built the studio in ${(build.ms / 1000).toFixed(1)} s`);
  tmp = mkdtempSync(join(tmpdir(), 'palestra-studio-import-'));
  const runsDir = join(tmp, 'runs');
  // A run folder as the CLI writes it: episode files whose header names the environment's root.
  mkdirSync(join(runsDir, 'r1'), { recursive: true });
  const header = { kind: 'header', v: 1, spec: { name: 'frozen-lake', version: '1.0.0', root }, seed: 1 };
  writeFileSync(
    join(runsDir, 'r1', 'episode-000000.jsonl'),
    `${JSON.stringify(header)}\n{"kind":"footer"}\n`,
  );
  writeFileSync(join(runsDir, 'r1', 'summary.json'), JSON.stringify({ kind: 'eval', episodes: 1 }));
  // A folder with no episode file is not a run.
  mkdirSync(join(runsDir, 'empty'));
  studio = await startStudio({
    port: 0,
    dir: join(tmp, 'studio'),
    runsDir,
    storeDir: join(tmp, 'store'),
    databaseUrl: '',
    log: () => {},
  });
});

after(async () => {
  await studio?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const frozenLake = () =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL('../../envs/catalog/frozen-lake/spec.json', import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;

async function postFile(text: string, name = 'spec.json') {
  const form = new FormData();
  form.set('spec', new Blob([text], { type: 'application/json' }), name);
  // As the page's form posts it: the folder picker left empty is a nameless, empty file.
  form.set('files', new Blob([]), '');
  return fetch(new URL('/import', studio.url), { method: 'POST', body: form, redirect: 'manual' });
}

const storeFiles = () => {
  try {
    return readdirSync(join(tmp, 'store')).filter((f) => f.startsWith('0x'));
  } catch {
    return [];
  }
};

test('a run folder under the runs dir is indexed on start, once, with its kind and root', async () => {
  const folders = studio.indexed.registered;
  assert.equal(folders.length, 1);
  assert.match(folders[0] as string, /r1$/);
  assert.deepEqual(
    studio.indexed.skipped.map((s) => s.reason),
    ['no episode file'],
  );
  // Indexing again (as a second start would) keeps one row.
  await indexRuns(studio.context.repo, studio.context.runsDir);
  const runs = (await studio.context.repo.listRuns()).filter((r) => r.folder.endsWith('r1'));
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.kind, 'eval');
  assert.equal(runs[0]?.envRoot, root);
  // And it is on the home page, with its kind.
  const html = await (await fetch(studio.url)).text();
  assert.ok(html.includes(runs[0]?.folder as string), 'the run folder is listed');
});

test('importing a valid spec creates the environment, stores its bundle, and lists it on /', async () => {
  const spec = { ...frozenLake(), name: 'my-lake-import' };
  const res = await postFile(JSON.stringify(spec), 'lake.json');
  assert.equal(res.status, 302, await res.text());
  assert.match(res.headers.get('location') ?? '', /^\/\?imported=/);
  const envs = (await studio.context.repo.listEnvironments()).filter((e) => e.name === 'my-lake-import');
  assert.equal(envs.length, 1);
  const env = envs[0]!;
  assert.equal(env.source, 'import');
  assert.match(env.headRoot ?? '', /^0x[0-9a-f]{64}$/);
  assert.deepEqual(storeFiles(), [env.headRoot]);
  const [version] = await studio.context.repo.listVersions(env.id);
  assert.equal(version?.note, 'imported from lake.json');
  const page = await fetch(new URL(res.headers.get('location') as string, studio.url));
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.ok(html.includes('my-lake-import'), 'listed on the home page');
  assert.ok(html.includes(`title="${env.headRoot}"`), 'with its head root');
  assert.match(html, /Imported <strong>my-lake-import<\/strong>/);
});

test('a malformed spec is shown with its JSON path, and nothing is written', async () => {
  const before = (await studio.context.repo.listEnvironments()).length;
  const storeBefore = storeFiles();
  const spec = frozenLake();
  spec.name = 'broken-lake';
  spec.tools = [{ name: 42 }];
  const res = await postFile(JSON.stringify(spec));
  const html = await res.text();
  assert.equal(res.status, 400);
  assert.match(html, /<code>\$\.tools\[0\]\.name<\/code>/, html.slice(0, 4000));
  assert.match(html, /Nothing was saved/);
  assert.equal((await studio.context.repo.listEnvironments()).length, before);
  assert.deepEqual(storeFiles(), storeBefore);

  const notJson = await postFile('{ "name": ');
  assert.equal(notJson.status, 400);
  assert.match(await notJson.text(), /not JSON/);
  assert.equal((await studio.context.repo.listEnvironments()).length, before);
});

test('a body over 10 MB is refused with 413 and a message', async () => {
  const before = (await studio.context.repo.listEnvironments()).length;
  const res = await postFile(`{"pad":"${'x'.repeat(10 * 1024 * 1024 + 10)}"}`);
  assert.equal(res.status, 413);
  assert.match(await res.text(), /the limit is 10 MB/);
  // A body declared larger still is refused before it is read (the express guard, not the action).
  const big = await fetch(new URL('/import', studio.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'x'.repeat(11 * 1024 * 1024),
  });
  assert.equal(big.status, 413);
  assert.match(await big.text(), /over the import limit of 10 MB/);
  assert.equal((await studio.context.repo.listEnvironments()).length, before);
});

const refundDeskDir = fileURLToPath(new URL('../../envs/catalog/refund-desk/', import.meta.url));

/** Every file of a folder, named as a browser names a picked folder's files: `refund-desk/…`. */
function folderFiles(dir: string, prefix: string): Array<{ name: string; bytes: Buffer }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? folderFiles(path, `${prefix}/${name}`)
      : [{ name: `${prefix}/${name}`, bytes: readFileSync(path) }];
  });
}

async function postFolder(files: Array<{ name: string; bytes: Buffer }>) {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([new Uint8Array(f.bytes)]), f.name);
  return fetch(new URL('/import', studio.url), { method: 'POST', body: form, redirect: 'manual' });
}

test("a folder of refund-desk's files imports with its modules, and its /env/<id> page answers", async () => {
  const files = folderFiles(refundDeskDir, 'refund-desk');
  assert.ok(files.some((f) => f.name === 'refund-desk/tasks.js'));
  assert.ok(
    files.some((f) => f.name.startsWith('refund-desk/golden/')),
    'goldens come along and are left out',
  );
  const res = await postFolder(files);
  assert.equal(res.status, 302, await res.text());
  const id = new URL(res.headers.get('location') as string, studio.url).searchParams.get('imported');
  const env = await studio.context.repo.getEnvironment(id as string);
  assert.equal(env?.name, 'refund-desk');
  assert.equal(
    (await studio.context.repo.listVersions(env!.id))[0]?.note,
    'imported from refund-desk/spec.json',
  );
  const page = await fetch(new URL(`/env/${env!.id}`, studio.url));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /refund-desk/);
});

test('a folder missing a module file the spec names is refused naming it, and nothing is written', async () => {
  const before = (await studio.context.repo.listEnvironments()).length;
  const storeBefore = storeFiles();
  const files = folderFiles(refundDeskDir, 'refund-desk').filter((f) => f.name !== 'refund-desk/tasks.js');
  const res = await postFolder(files);
  const html = await res.text();
  assert.equal(res.status, 400);
  assert.match(html, /names module file tasks\.js, missing from the folder/);
  assert.match(html, /<code>\$\.tasks\.module<\/code>/);
  assert.equal((await studio.context.repo.listEnvironments()).length, before);
  assert.deepEqual(storeFiles(), storeBefore);

  const noSpec = await postFolder(files.filter((f) => !f.name.endsWith('.json')));
  assert.equal(noSpec.status, 400);
  assert.match(await noSpec.text(), /the folder holds no spec\.json/);
});
