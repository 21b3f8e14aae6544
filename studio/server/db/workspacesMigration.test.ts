// Migration 0005 (workspaces) on a database left at 0004 with data in it: every environment,
// member (with the role it had), invite and session is kept, all in the default workspace "Local".
// On PGlite always; on PostgreSQL too when PALESTRA_TEST_DATABASE_URL is set (a fresh database is
// made on that server and dropped after).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createMembership } from '../auth/members.ts';
import { openDatabase, type StudioDatabase } from './openDatabase.ts';
import { createRepository } from './repository.ts';

const pgUrl = process.env.PALESTRA_TEST_DATABASE_URL;
const migrations = fileURLToPath(new URL('../../drizzle', import.meta.url));
let dir: string;
let upTo0004: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'studio-migrate-0005-'));
  // The migrations as they were before 0005: the same files, a journal that ends at 0004.
  upTo0004 = join(dir, 'drizzle-0004');
  cpSync(migrations, upTo0004, { recursive: true });
  const journalFile = join(upTo0004, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => e.tag === '0004_versions_history');
  assert.ok(at >= 0, 'migration 0004 is in the journal');
  journal.entries = journal.entries.slice(0, at + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A studio at 0004: the owner, an editor and a viewer, two environments, an invite, a session. */
async function fill0004(db: StudioDatabase): Promise<void> {
  await db.execute(sql`insert into members (id, name, role) values
    ('owner', 'owner', 'owner'), ('m-ana', 'Ana', 'editor'), ('m-bo', 'Bo', 'viewer')`);
  await db.execute(sql`insert into environments (id, name, source, source_ref) values
    ('env-1', 'refund desk', 'catalog', 'refund-desk'), ('env-2', 'imported', 'import', null)`);
  await db.execute(sql`insert into invites (token_hash, role, expires_at) values
    ('h-unused', 'viewer', now() + interval '1 day')`);
  await db.execute(sql`insert into sessions (token_hash, member_id, expires_at) values
    ('s-ana', 'm-ana', now() + interval '1 day')`);
}

/** What 0005 must have made of `fill0004`'s data. */
async function assertMigrated(db: StudioDatabase): Promise<void> {
  const rows = async (query: ReturnType<typeof sql>) =>
    ((await db.execute(query)) as unknown as { rows: Array<Record<string, unknown>> }).rows;
  assert.deepEqual(await rows(sql`select id, name from workspaces order by id`), [
    { id: 'default', name: 'Local' },
  ]);
  assert.deepEqual(
    await rows(sql`select workspace_id, member_id, role from workspace_members order by member_id`),
    [
      { workspace_id: 'default', member_id: 'm-ana', role: 'editor' },
      { workspace_id: 'default', member_id: 'm-bo', role: 'viewer' },
      { workspace_id: 'default', member_id: 'owner', role: 'owner' },
    ],
  );
  assert.deepEqual(await rows(sql`select id, workspace_id, source_ref from environments order by id`), [
    { id: 'env-1', workspace_id: 'default', source_ref: 'refund-desk' },
    { id: 'env-2', workspace_id: 'default', source_ref: null },
  ]);
  assert.deepEqual(await rows(sql`select token_hash, workspace_id, role from invites`), [
    { token_hash: 'h-unused', workspace_id: 'default', role: 'viewer' },
  ]);
  assert.deepEqual(await rows(sql`select member_id from sessions`), [{ member_id: 'm-ana' }]);
  // The role moved to the workspace: members keep only who they are.
  assert.deepEqual(
    (
      await rows(
        sql`select column_name from information_schema.columns where table_name = 'members' order by 1`,
      )
    ).map((r) => r.column_name),
    ['created_at', 'id', 'name'],
  );
  // And the code reads it so: Ana edits the default workspace's environments, Bo views them.
  const membership = createMembership(db, randomBytes(32));
  assert.equal(await membership.environmentRole('m-ana', 'env-1'), 'editor');
  assert.equal(await membership.environmentRole('m-bo', 'env-2'), 'viewer');
  // A new environment without a workspace goes into the default one; the column is NOT NULL.
  const made = await createRepository(db).createEnvironment({ name: 'after', source: 'import' });
  assert.equal(made.workspaceId, 'default');
  await assert.rejects(
    db.execute(sql`insert into environments (id, name, source) values ('x', 'x', 'import')`),
  );
}

test('PGlite at 0004 with data migrates to workspaces, keeping every row', async () => {
  const folder = join(dir, 'pglite');
  const old = await openDatabase({ dir: folder, migrationsFolder: upTo0004 });
  await fill0004(old.db);
  await old.close();
  const migrated = await openDatabase({ dir: folder });
  try {
    await assertMigrated(migrated.db);
  } finally {
    await migrated.close();
  }
});

test('PostgreSQL at 0004 with data migrates to workspaces, keeping every row', {
  skip: pgUrl ? false : 'PALESTRA_TEST_DATABASE_URL not set',
}, async () => {
  const name = `palestra_migrate_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(pgUrl as string);
  url.pathname = `/${name}`;
  try {
    const old = await openDatabase({ url: url.href, migrationsFolder: upTo0004 });
    await fill0004(old.db);
    await old.close();
    const migrated = await openDatabase({ url: url.href });
    try {
      await assertMigrated(migrated.db);
    } finally {
      await migrated.close();
    }
  } finally {
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
  }
});
