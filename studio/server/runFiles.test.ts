import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { episodePath, runEpisodeFiles } from './runFiles.ts';

const base = mkdtempSync(join(tmpdir(), 'palestra-runfiles-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('episodePath opens files inside the run folder only', () => {
  const run = join(base, 'runs', 'rd');
  mkdirSync(join(run, 'a'), { recursive: true });
  writeFileSync(join(run, 'episode-000001.jsonl'), '{}\n');
  writeFileSync(join(run, 'a', 'task-000001-seed-000002.jsonl'), '{}\n');
  const outside = join(base, 'secret.jsonl');
  writeFileSync(outside, '{}\n');
  symlinkSync(outside, join(run, 'episode-000002.jsonl'));

  assert.equal(episodePath(run, 'episode-000001.jsonl'), join(run, 'episode-000001.jsonl'));
  assert.equal(
    episodePath(run, 'a/task-000001-seed-000002.jsonl'),
    join(run, 'a', 'task-000001-seed-000002.jsonl'),
  );
  for (const bad of [
    '../secret.jsonl',
    outside,
    'episode-000002.jsonl',
    'missing.jsonl',
    'a',
    '',
    'x\0.jsonl',
  ])
    assert.equal(episodePath(run, bad), undefined, bad);
});

test('runEpisodeFiles lists the folder own episodes, else its first subfolder with some', () => {
  const evalRun = join(base, 'runs', 'ev');
  mkdirSync(join(evalRun, 'a'), { recursive: true });
  mkdirSync(join(evalRun, 'b'), { recursive: true });
  writeFileSync(join(evalRun, 'a', 'task-000002-seed-000001.jsonl'), '{}\n');
  writeFileSync(join(evalRun, 'a', 'task-000001-seed-000001.jsonl'), '{}\n');
  writeFileSync(join(evalRun, 'b', 'task-000001-seed-000001.jsonl'), '{}\n');
  assert.deepEqual(runEpisodeFiles(evalRun), [
    'a/task-000001-seed-000001.jsonl',
    'a/task-000002-seed-000001.jsonl',
  ]);
});
