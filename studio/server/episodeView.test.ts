// Reading an episode of a registered run for the replay page, against a real PGlite database and
// real run folders: the environment by its header's root (store, else the catalog's same root),
// the episodes of the same task, and nothing outside the run folder.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '@palestra/runtime';
import type { StudioContext } from './context.ts';
import { createRepository, type OpenedDatabase, openDatabase } from './db/index.ts';
import { episodeFile, episodeView } from './episodeView.ts';
import { stopLayout } from './serverLayout.ts';

let tmp: string;
let opened: OpenedDatabase;
let studio: StudioContext;
let runId: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-episode-view-'));
  opened = await openDatabase({ dir: join(tmp, 'db') });
  studio = { repo: createRepository(opened.db), runsDir: join(tmp, 'runs'), storeDir: join(tmp, 'store') };
  const out = join(tmp, 'runs', 'rd');
  await run({ env: 'refund-desk', agent: 'random', episodes: 2, out });
  // A second episode of the first one's task: a copy under another name.
  writeFileSync(join(out, 'episode-000009.jsonl'), readFileSync(join(out, 'episode-000000.jsonl')));
  runId = (await studio.repo.registerRun({ folder: out, kind: 'run', envRoot: '0xabc' })).id;
});

after(async () => {
  await stopLayout();
  await opened?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('an episode: its text, header, the catalog environment of its root with a layout, and its task mates', async () => {
  const view = await episodeView(studio, runId, 'episode-000000.jsonl');
  assert.ok(view);
  assert.equal(view.header?.env, 'refund-desk');
  assert.match(view.text, /"kind":"header"/);
  assert.ok(view.environment.ok, JSON.stringify(view.environment));
  assert.equal(view.environment.name, 'refund-desk');
  assert.equal(view.environment.root, view.header?.root?.toLowerCase());
  assert.ok(view.environment.layout && view.environment.layout.nodes.length > 3);
  assert.deepEqual(view.sameTask, ['episode-000009.jsonl']);
});

test('an unknown run, a missing file or a path out of the run folder: nothing', async () => {
  writeFileSync(
    join(tmp, 'runs', 'outside.jsonl'),
    readFileSync(join(tmp, 'runs', 'rd', 'episode-000000.jsonl')),
  );
  assert.equal(await episodeFile(studio, runId, '../outside.jsonl'), undefined);
  assert.equal(await episodeFile(studio, runId, 'episode-000123.jsonl'), undefined);
  assert.equal(
    await episodeFile(studio, '00000000-0000-0000-0000-000000000000', 'episode-000000.jsonl'),
    undefined,
  );
});

test('a header naming an environment the studio cannot find: no canvas, and the typed error says why', async () => {
  const out = join(tmp, 'runs', 'rd');
  const text = readFileSync(join(out, 'episode-000001.jsonl'), 'utf8');
  writeFileSync(
    join(out, 'episode-000010.jsonl'),
    text
      .replace('"name":"refund-desk"', '"name":"nowhere-desk"')
      .replace(/"root":"0x[0-9a-f]{64}"/, `"root":"0x${'ab'.repeat(32)}"`),
  );
  const view = await episodeView(studio, runId, 'episode-000010.jsonl');
  assert.ok(view && !view.environment.ok);
  assert.equal(view.environment.code, 'ENV_NOT_FOUND');
  assert.ok(view.environment.hint);
});
