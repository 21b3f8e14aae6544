import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { goldenFiles } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { score } from './score.ts';
import { type VerifyScoresProgress, verifyScores } from './verifyScores.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-verify-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('verifyScores re-derives committed scores and fails an episode that commits none', async () => {
  const files = goldenFiles(join(CATALOG_DIR, 'echo-target')).map((g, i) => {
    const f = join(dir, `episode-${i}.jsonl`);
    copyFileSync(g, f);
    return f;
  });
  await score({ files: files.slice(1), env: 'echo-target' });
  const events: VerifyScoresProgress[] = [];
  const r = await verifyScores({ files }, { onProgress: (e) => events.push(e) });
  assert.equal(r.interrupted, false);
  assert.equal(r.failed, 1);
  assert.deepEqual(
    r.results.map((x) => [x.file, x.ok]),
    files.map((f, i) => [f, i > 0]),
  );
  assert.match(r.overseer, /^[0-9a-f]{64}$|^0x[0-9a-f]{64}$/);
  assert.deepEqual(
    events.map((e) => [e.done, e.total]),
    files.map((_, i) => [i + 1, files.length]),
  );
  assert.deepEqual(events.map((e) => e.ok).sort(), r.results.map((x) => x.ok).sort());
});
