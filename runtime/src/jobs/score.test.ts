import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { goldenFiles, readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { type ScoreProgress, score } from './score.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-score-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('score commits each score in its episode; stopped midway, the same call again scores the rest', async () => {
  const files = goldenFiles(join(CATALOG_DIR, 'frozen-lake')).map((g, i) => {
    const f = join(dir, `episode-${i}.jsonl`);
    copyFileSync(g, f);
    return f;
  });
  assert.ok(files.length >= 3);
  const controller = new AbortController();
  const events: ScoreProgress[] = [];
  const first = await score(
    { files },
    {
      signal: controller.signal,
      onProgress: (e) => {
        events.push(e);
        controller.abort();
      },
    },
  );
  assert.equal(first.interrupted, true);
  assert.equal(first.scored.length, 1, 'stopped after the first episode');
  assert.deepEqual(
    events.map((e) => [e.done, e.total, e.file]),
    [[1, files.length, files[0]]],
  );
  assert.equal(events[0]!.reward, first.scored[0]!.score.reward);
  assert.deepEqual([first.added, first.stats.committed], [1, 1]);
  assert.deepEqual(readEpisode(files[1]!).scores ?? [], [], 'the rest untouched');

  const second = await score({ files, overseer: 'rules' });
  assert.equal(second.interrupted, false);
  assert.equal(second.scored.length, files.length);
  assert.deepEqual(
    [second.added, second.stats.committed, second.stats.conflicts],
    [files.length - 1, files.length, 0],
  );
  for (const f of files) assert.equal(readEpisode(f).scores?.length, 1, f);
});
