import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRepository } from './index.ts';
import { openDatabase } from './openDatabase.ts';
import { PgliteThread } from './pgliteThread.ts';

test('the database thread: queries, a committed and a rolled-back transaction, PostgreSQL errors with their code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-pglite-thread-'));
  const db = await PgliteThread.open(join(dir, 'db'));
  try {
    await db.exec('create table t (n int primary key, b bytea)');
    await db.query('insert into t values ($1, $2)', [1, new Uint8Array([1, 2, 3])]);
    const kept = await db.transaction(async (tx) => {
      await tx.query('insert into t values ($1, null)', [2]);
      return (await tx.query('select count(*)::int as n from t')).rows;
    });
    assert.deepEqual(kept, [{ n: 2 }]);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('insert into t values ($1, null)', [3]);
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    const rows = (await db.query('select n, b from t order by n', [], { rowMode: 'array' })).rows;
    assert.deepEqual(rows, [
      [1, new Uint8Array([1, 2, 3])],
      [2, null],
    ]);
    // A unique violation keeps PostgreSQL's code across the thread.
    await assert.rejects(db.query('insert into t values (1, null)'), (e: Error & { code?: string }) => {
      return e.code === '23505' && /duplicate key/.test(e.message);
    });
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(db.query('select 1'), /closed/);
});

test('openDatabase with thread: true migrates and serves the repository through the thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palestra-pglite-thread-'));
  const opened = await openDatabase({ dir: join(dir, 'db'), thread: true });
  try {
    const repo = createRepository(opened.db);
    const created = await repo.createEnvironment({ name: 'through the thread', source: 'import' });
    assert.equal((await repo.getEnvironment(created.id))?.name, 'through the thread');
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
