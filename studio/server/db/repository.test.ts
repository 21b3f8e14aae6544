// The repository against real PGlite in a temporary folder, and against a real PostgreSQL server
// when PALESTRA_TEST_DATABASE_URL is set (skipped, and shown as skipped, otherwise). Every row a
// test writes has a fresh id and folder, so the suite also runs against a server with older rows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PalestraError } from '@palestra/errors';
import { type OpenedDatabase, openDatabase } from './openDatabase.ts';
import { createRepository, type StudioRepository } from './repository.ts';

const pgUrl = process.env.PALESTRA_TEST_DATABASE_URL;
const backends = [
  { name: 'PGlite', skip: false as const, open: (dir: string) => openDatabase({ dir }) },
  {
    name: 'PostgreSQL (PALESTRA_TEST_DATABASE_URL)',
    skip: pgUrl ? (false as const) : 'PALESTRA_TEST_DATABASE_URL not set',
    open: () => openDatabase({ url: pgUrl }),
  },
];

const root = () => `0x${randomUUID().replaceAll('-', '')}`;

for (const backend of backends) {
  // A skipped describe counts no skipped test in the summary; a skipped test does.
  if (backend.skip) {
    test(`repository on ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }
  describe(`repository on ${backend.name}`, () => {
    let dir: string;
    let opened: OpenedDatabase;
    let repo: StudioRepository;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'studio-db-'));
      opened = await backend.open(dir);
      repo = createRepository(opened.db);
    });
    after(async () => {
      await opened?.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('creates, gets and lists environments', async () => {
      const first = await repo.createEnvironment({
        name: 'refund desk',
        source: 'catalog',
        sourceRef: 'refund-desk',
      });
      assert.match(first.id, /^[0-9a-f-]{36}$/);
      assert.equal(first.headRoot, null);
      assert.ok(first.createdAt instanceof Date);
      const r = root();
      const second = await repo.createEnvironment({
        name: 'imported',
        source: 'import',
        root: r,
        note: 'from a file',
      });
      assert.equal(second.headRoot, r);
      assert.deepEqual(await repo.getEnvironment(first.id), first);
      assert.equal(await repo.getEnvironment(randomUUID()), undefined);
      const ids = (await repo.listEnvironments()).map((e) => e.id);
      assert.ok(ids.includes(first.id) && ids.includes(second.id));
      const [version] = await repo.listVersions(second.id);
      assert.deepEqual([version?.root, version?.note], [r, 'from a file']);
    });

    test('refuses a source outside the list (CHECK constraint), and writes nothing', async () => {
      const id = randomUUID();
      // biome-ignore lint/suspicious/noExplicitAny: deliberately bypassing the type to reach the database's check
      await assert.rejects(repo.createEnvironment({ id, name: 'x', source: 'git' as any }));
      assert.equal(await repo.getEnvironment(id), undefined);
    });

    test('a new version moves head_root and updated_at; a roll back is a new version with an old root', async () => {
      const env = await repo.createEnvironment({
        name: 'e',
        source: 'folder',
        sourceRef: 'envs/e',
        root: root(),
      });
      const [v1, v2] = [env.headRoot as string, root()];
      const moved = await repo.addVersion(env.id, v2, 'second');
      assert.equal(moved.headRoot, v2);
      assert.ok(moved.updatedAt >= env.updatedAt);
      assert.equal((await repo.getEnvironment(env.id))?.headRoot, v2);
      const back = await repo.addVersion(env.id, v1, {
        note: 'roll back',
        authorId: null,
        authorName: 'Ana',
      });
      assert.equal(back.headRoot, v1);
      const versions = await repo.listVersions(env.id);
      assert.deepEqual(
        versions.map((v) => [v.root, v.note, v.parentRoot, v.authorName]),
        [
          [v1, 'roll back', v2, 'Ana'],
          [v2, 'second', v1, null],
          [v1, null, null, null],
        ],
        'the newest first; each version names the head it was made on',
      );
      const [newest] = versions;
      assert.deepEqual(await repo.getVersion(env.id, newest!.seq), newest);
      assert.equal(await repo.getVersion(randomUUID(), newest!.seq), undefined, "another environment's seq");
      assert.deepEqual(
        (await repo.versionsWithRoot(v1)).map((v) => v.note),
        [null, 'roll back'],
      );
      await repo.setVersionCheck(env.id, v1, { state: 'passed', failed: 0, warnings: 1 });
      await repo.setVersionCheck(env.id, v1, { state: 'failed', failed: 2, warnings: 0 });
      assert.deepEqual(
        (await repo.listVersions(env.id)).map((v) => v.checkStatus?.state ?? null),
        ['passed', null, 'passed'],
        'a recorded check is not overwritten; only the versions of that root get it',
      );
    });

    test('addVersion on an unknown environment is STUDIO_ENVIRONMENT_NOT_FOUND', async () => {
      const id = randomUUID();
      await assert.rejects(
        repo.addVersion(id, root()),
        (e: unknown) =>
          e instanceof PalestraError && e.code === 'STUDIO_ENVIRONMENT_NOT_FOUND' && e.details.id === id,
      );
      assert.deepEqual(await repo.listVersions(id), []);
    });

    test('registerRun is idempotent on the folder and takes a later summary', async () => {
      const env = await repo.createEnvironment({
        name: 'e',
        source: 'catalog',
        sourceRef: 'e',
        root: root(),
      });
      const folder = `.palestra/runs/${randomUUID()}`;
      const input = {
        folder,
        kind: 'rollout' as const,
        envRoot: env.headRoot as string,
        environmentId: env.id,
      };
      const first = await repo.registerRun(input);
      const again = await repo.registerRun({ ...input, id: randomUUID() });
      assert.equal(again.id, first.id);
      assert.equal(again.summary, null);
      const done = await repo.registerRun({
        ...input,
        environmentId: null,
        summary: { episodes: 8, meanReturn: 0.5 },
      });
      assert.equal(done.id, first.id);
      assert.deepEqual(done.summary, { episodes: 8, meanReturn: 0.5 });
      assert.equal(done.environmentId, env.id, 'a later registration without an environment keeps it');
      const mine = await repo.listRuns({ environmentId: env.id });
      assert.deepEqual(
        mine.map((r) => r.folder),
        [folder],
      );
    });

    test('listRuns filters by environment; a CLI run without one is listed unfiltered', async () => {
      const a = await repo.createEnvironment({ name: 'a', source: 'catalog', root: root() });
      const b = await repo.createEnvironment({ name: 'b', source: 'catalog', root: root() });
      const folders = { a: `runs/${randomUUID()}`, b: `runs/${randomUUID()}`, cli: `runs/${randomUUID()}` };
      await repo.registerRun({
        folder: folders.a,
        kind: 'eval',
        envRoot: a.headRoot as string,
        environmentId: a.id,
      });
      await repo.registerRun({
        folder: folders.b,
        kind: 'run',
        envRoot: b.headRoot as string,
        environmentId: b.id,
      });
      await repo.registerRun({ folder: folders.cli, kind: 'simulate', envRoot: root() });
      assert.deepEqual(
        (await repo.listRuns({ environmentId: a.id })).map((r) => r.folder),
        [folders.a],
      );
      const all = (await repo.listRuns()).map((r) => r.folder);
      for (const f of Object.values(folders)) assert.ok(all.includes(f), f);
      await assert.rejects(
        repo.registerRun({
          folder: `runs/${randomUUID()}`,
          kind: 'run',
          envRoot: 'r',
          environmentId: randomUUID(),
        }),
      );
    });

    test('deleteRun removes one row and returns it; an unknown id is undefined; train and branch are kinds', async () => {
      const keep = await repo.registerRun({ folder: `runs/${randomUUID()}`, kind: 'train', envRoot: root() });
      const gone = await repo.registerRun({
        folder: `runs/${randomUUID()}`,
        kind: 'branch',
        envRoot: root(),
      });
      const removed = await repo.deleteRun(gone.id);
      assert.equal(removed?.id, gone.id);
      assert.equal(removed?.folder, gone.folder);
      assert.equal(await repo.getRun(gone.id), undefined);
      assert.equal((await repo.getRun(keep.id))?.kind, 'train');
      assert.equal(await repo.deleteRun(gone.id), undefined);
      assert.equal(await repo.deleteRun(randomUUID()), undefined);
      // The CHECK constraint still refuses a kind that is not one of ours.
      await assert.rejects(
        repo.registerRun({ folder: `runs/${randomUUID()}`, kind: 'bogus' as 'run', envRoot: root() }),
      );
    });
  });
}
