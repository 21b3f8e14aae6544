import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type RunProgress, run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-run-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('run plays episodes one after the other, reports each, and a second call keeps them', async () => {
  const out = join(dir, 'lake');
  const events: RunProgress[] = [];
  const first = await run(
    { env: 'frozen-lake', episodes: 4, seed: 2, out },
    { onProgress: (e) => events.push(e) },
  );
  assert.equal(first.interrupted, false);
  assert.equal(first.summary.complete, 4);
  assert.deepEqual(
    events.map((e) => [e.done, e.total, e.episode.seed]),
    [
      [1, 4, 2],
      [2, 4, 3],
      [3, 4, 4],
      [4, 4, 5],
    ],
  );
  assert.equal(first.firstFile, join(out, 'episode-000000.jsonl'));
  assert.deepEqual(
    JSON.parse(readFileSync(first.summaryPath, 'utf8')),
    JSON.parse(JSON.stringify(first.summary)),
  );
  const again = await run({ env: 'frozen-lake', episodes: 4, seed: 2, out });
  assert.equal(again.summary.resumed, 4);
  assert.deepEqual(
    again.episodes.map((e) => e.status),
    ['resumed', 'resumed', 'resumed', 'resumed'],
  );
});
