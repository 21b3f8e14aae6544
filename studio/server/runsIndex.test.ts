// Reading run folders as the CLI's jobs write them (a real eval with its episodes under a/, a real
// run), and registering one folder the way `POST /api/runs` does, against a real PGlite database.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evaluate, run } from '@palestra/runtime';
import { createRepository, type OpenedDatabase, openDatabase, type StudioRepository } from './db/index.ts';
import { indexRuns, readRunFolder, registerRunFolder } from './runsIndex.ts';

let tmp: string;
let runsDir: string;
let opened: OpenedDatabase;
let repo: StudioRepository;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-runs-index-'));
  runsDir = join(tmp, 'runs');
  opened = await openDatabase({ dir: join(tmp, 'db') });
  repo = createRepository(opened.db);
  await evaluate({ env: 'echo-target', agent: 'random', episodesPerTask: 1, out: join(runsDir, 'ev') });
  await run({ env: 'frozen-lake', agent: 'random', episodes: 2, out: join(runsDir, 'played') });
});

after(async () => {
  await opened?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('an eval folder (episodes under a/, eval.json) reads as kind eval with its episode count', async () => {
  const info = await readRunFolder(join(runsDir, 'ev'));
  assert.ok(info.ok, JSON.stringify(info));
  assert.equal(info.kind, 'eval');
  assert.match(info.envRoot, /^0x[0-9a-f]{64}$/i);
  assert.equal(info.summary?.episodes, 2, JSON.stringify(info.summary));
  const played = await readRunFolder(join(runsDir, 'played'));
  assert.ok(played.ok && played.kind === 'run' && played.summary?.episodes === 2, JSON.stringify(played));
});

test('indexing on start registers both; a folder without episodes is skipped with why', async () => {
  mkdirSync(join(runsDir, 'empty'));
  const result = await indexRuns(repo, runsDir, tmp);
  assert.deepEqual(result.registered.sort(), ['runs/ev', 'runs/played']);
  assert.deepEqual(result.skipped, [{ folder: 'runs/empty', reason: 'no episode file' }]);
});

test('registering one folder: a path inside a run folder names that run; outside or empty is refused', async () => {
  const nested = await registerRunFolder(repo, runsDir, join(runsDir, 'ev', 'a'), tmp);
  assert.deepEqual(nested, { ok: true, folder: 'runs/ev', kind: 'eval' });
  assert.equal((await repo.listRuns()).filter((r) => r.folder === 'runs/ev').length, 1);

  const outside = await registerRunFolder(repo, runsDir, tmp, tmp);
  assert.equal(outside.ok || outside.code, 'STUDIO_RUN_OUTSIDE');
  const sneaky = await registerRunFolder(repo, runsDir, join(runsDir, '..', 'db'), tmp);
  assert.equal(sneaky.ok || sneaky.code, 'STUDIO_RUN_OUTSIDE');
  const missing = await registerRunFolder(repo, runsDir, join(runsDir, 'nope'), tmp);
  assert.equal(missing.ok || missing.code, 'STUDIO_RUN_OUTSIDE');
  const empty = await registerRunFolder(repo, runsDir, join(runsDir, 'empty'), tmp);
  assert.equal(empty.ok || empty.code, 'STUDIO_RUN_NOT_A_RUN');
  writeFileSync(join(runsDir, 'stray.txt'), 'not a folder');
  const file = await registerRunFolder(repo, runsDir, join(runsDir, 'stray.txt'), tmp);
  assert.equal(file.ok || file.code, 'STUDIO_RUN_NOT_A_RUN');

  // A runs folder reached through a symbolic link is the same folder.
  symlinkSync(runsDir, join(tmp, 'link'));
  const linked = await registerRunFolder(repo, join(tmp, 'link'), join(runsDir, 'played'), tmp);
  assert.equal(linked.ok, true, JSON.stringify(linked));
});

test('a training folder (train.json, episodes under steps/step-NNNN/) reads and registers as kind train', async () => {
  // The layout `palestra train` writes, with real episode files (a run's) as the step's episodes.
  const dir = join(runsDir, 'trained');
  const step = join(dir, 'steps', 'step-0001');
  mkdirSync(step, { recursive: true });
  cpSync(join(runsDir, 'played', 'episode-000000.jsonl'), join(step, 'episode-g000000-m00.jsonl'));
  const state = { v: 1, env: 'frozen-lake', algo: 'grpo', model: 'tiny', steps: [{ step: 1 }, { step: 2 }] };
  writeFileSync(join(dir, 'train.json'), JSON.stringify(state));
  const info = await readRunFolder(dir);
  assert.ok(info.ok, JSON.stringify(info));
  assert.equal(info.kind, 'train');
  assert.match(info.envRoot, /^0x[0-9a-f]{64}$/i);
  assert.deepEqual(info.summary, { kind: 'train', env: 'frozen-lake', agent: 'grpo tiny', steps: 2 });
  const registered = await registerRunFolder(repo, runsDir, dir, tmp);
  assert.deepEqual(registered, { ok: true, folder: 'runs/trained', kind: 'train' });
  // Without train.json the same folder is a rollout's (group files), not a training run.
  rmSync(join(dir, 'train.json'));
  const plain = await readRunFolder(dir);
  assert.ok(plain.ok && plain.kind === 'rollout', JSON.stringify(plain));
});
