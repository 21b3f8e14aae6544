// Deleting runs against a real PGlite database and real run folders: a folder inside the studio's
// runs folder goes with its row; a folder registered from outside keeps its files, and says so.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '@palestra/runtime';
import type { StudioContext } from '../context.ts';
import { createRepository, type OpenedDatabase, openDatabase } from '../db/index.ts';
import { deleteRun, isInside } from './deleteRun.ts';

let tmp: string;
let opened: OpenedDatabase;
let studio: StudioContext;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-delete-run-'));
  opened = await openDatabase({ dir: join(tmp, 'db') });
  studio = { repo: createRepository(opened.db), runsDir: join(tmp, 'runs'), storeDir: join(tmp, 'store') };
  await run({ env: 'frozen-lake', agent: 'random', episodes: 2, out: join(tmp, 'runs', 'inside') });
  mkdirSync(join(tmp, 'elsewhere'));
  cpSync(join(tmp, 'runs', 'inside'), join(tmp, 'elsewhere', 'outside'), { recursive: true });
});

after(async () => {
  await opened?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('a run inside the runs folder: its folder and its row go', async () => {
  const folder = join(tmp, 'runs', 'inside');
  const r = await studio.repo.registerRun({ folder, kind: 'run', envRoot: '0xabc' });
  const outcome = await deleteRun(studio, r.id);
  assert.deepEqual(outcome, { ok: true, folder, folderRemoved: true, note: null });
  assert.equal(existsSync(folder), false);
  assert.equal(await studio.repo.getRun(r.id), undefined);
});

test('a run outside the runs folder: only its row goes, and the answer says why', async () => {
  const folder = join(tmp, 'elsewhere', 'outside');
  const r = await studio.repo.registerRun({ folder, kind: 'run', envRoot: '0xabc' });
  const outcome = await deleteRun(studio, r.id);
  assert.ok(outcome.ok && !outcome.folderRemoved, JSON.stringify(outcome));
  assert.match(outcome.note ?? '', /outside the studio's runs folder/);
  assert.ok(existsSync(join(folder, 'episode-000000.jsonl')), 'the files outside stay');
  assert.equal(await studio.repo.getRun(r.id), undefined);
});

test('the runs folder itself, a sibling with a common prefix and `..` are not inside it', async () => {
  const runs = join(tmp, 'runs');
  assert.equal(isInside(runs, runs), false);
  assert.equal(isInside(runs, join(tmp, 'runs-other')), false);
  assert.equal(isInside(runs, join(runs, '..', 'elsewhere')), false);
  assert.equal(isInside(runs, join(runs, 'x')), true);
  const unknown = await deleteRun(studio, 'no-such-id');
  assert.equal(unknown.ok || unknown.code, 'STUDIO_RUN_NOT_FOUND');
});
