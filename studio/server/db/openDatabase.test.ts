// Opening the studio's database: migrations on a fresh PGlite folder and again on reopen (a no-op),
// data across close and reopen, and the typed error when it cannot open.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PalestraError } from '@palestra/errors';
import { sql } from 'drizzle-orm';
import { openDatabase, type StudioDatabase } from './openDatabase.ts';
import { createRepository } from './repository.ts';

const journal = JSON.parse(
  await readFile(fileURLToPath(new URL('../../drizzle/meta/_journal.json', import.meta.url)), 'utf8'),
) as { entries: Array<{ tag: string }> };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-db-open-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const applied = async (db: StudioDatabase) =>
  (await db.select({ hash: sql<string>`hash` }).from(sql`drizzle.__drizzle_migrations`).orderBy(sql`id`)).map(
    (r) => r.hash,
  );
const tables = async (db: StudioDatabase) =>
  (
    await db
      .select({ name: sql<string>`table_name` })
      .from(sql`information_schema.tables`)
      .where(sql`table_schema = 'public'`)
      .orderBy(sql`1`)
  ).map((r) => r.name);

test('a fresh folder gets every migration; reopening applies none again and keeps the data', async () => {
  const folder = join(dir, 'nested', 'db');
  const first = await openDatabase({ dir: folder });
  assert.equal(first.driver, 'pglite');
  assert.deepEqual(await tables(first.db), [
    'doc_updates',
    'environments',
    'invites',
    'members',
    'runs',
    'sessions',
    'versions',
    'workspace_members',
    'workspaces',
  ]);
  const hashes = await applied(first.db);
  assert.equal(hashes.length, journal.entries.length);
  const env = await createRepository(first.db).createEnvironment({
    name: 'kept',
    source: 'import',
    root: '0xabc',
  });
  await createRepository(first.db).registerRun({
    folder: 'runs/1',
    kind: 'run',
    envRoot: '0xabc',
    environmentId: env.id,
  });
  await first.close();

  const second = await openDatabase({ dir: folder });
  try {
    assert.deepEqual(await applied(second.db), hashes, 'reopening applied no migration twice');
    const repo = createRepository(second.db);
    assert.deepEqual(await repo.getEnvironment(env.id), env);
    assert.deepEqual(
      (await repo.listRuns({ environmentId: env.id })).map((r) => r.folder),
      ['runs/1'],
    );
  } finally {
    await second.close();
  }
});

test('a missing migrations folder is STUDIO_DB_OPEN_FAILED, naming the folder', async () => {
  const migrationsFolder = join(dir, 'no-migrations');
  await assert.rejects(
    openDatabase({ dir: join(dir, 'db2'), migrationsFolder }),
    (e: unknown) =>
      e instanceof PalestraError &&
      e.code === 'STUDIO_DB_OPEN_FAILED' &&
      e.details.migrationsFolder === migrationsFolder,
  );
});

test('an unreachable server is STUDIO_DB_OPEN_FAILED, and the message hides the password', async () => {
  // A port that was free a moment ago on loopback: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  await assert.rejects(
    openDatabase({ url: `postgres://studio:s3cret@127.0.0.1:${port}/studio` }),
    (e: unknown) =>
      e instanceof PalestraError &&
      e.code === 'STUDIO_DB_OPEN_FAILED' &&
      e.message.includes(`127.0.0.1:${port}`) &&
      !e.message.includes('s3cret') &&
      !JSON.stringify(e.details).includes('s3cret'),
  );
});
