import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { type BranchProgress, branch } from './branch.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-branch-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A recorded frozen-lake episode, copied where the job may write beside it. */
function episode(name: string): string {
  const file = join(dir, `${name}.jsonl`);
  copyFileSync(join(CATALOG_DIR, 'frozen-lake', 'golden', 'seed-1.jsonl'), file);
  return file;
}

test('branch values every step of an episode, reports the continuations, and writes the report beside it', async () => {
  const file = episode('lake');
  const events: BranchProgress[] = [];
  const r = await branch({ episode: file, all: true, samples: 4 }, { onProgress: (e) => events.push(e) });
  const steps = r.report.original.length;
  assert.ok(steps > 0);
  assert.deepEqual(
    r.steps,
    Array.from({ length: steps + 1 }, (_, j) => j),
  );
  assert.deepEqual(
    r.report.values.map((v) => v.step),
    r.steps,
  );
  assert.equal(r.report.advantages.length, steps);
  for (const v of r.report.values) assert.ok(Number.isNaN(v.value) || (v.value >= 0 && v.value <= 1));
  assert.equal(r.out, join(dir, 'lake.branch.json'));
  assert.deepEqual(JSON.parse(readFileSync(r.out, 'utf8')), JSON.parse(JSON.stringify(r.report)));
  const last = events.at(-1)!;
  assert.equal(last.done, last.total);
  assert.equal(
    last.total,
    r.report.values.reduce((n, v) => n + v.samples + v.failed, 0),
  );
});

test('branch refuses a step past the episode, and an aborted branch throws JOB_ABORTED and writes nothing', async () => {
  const file = episode('refused');
  await assert.rejects(branch({ episode: file, step: 99 }), { code: 'STEP_OUT_OF_RANGE' });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(branch({ episode: file, all: true, samples: 4 }, { signal: controller.signal }), {
    code: 'JOB_ABORTED',
  });
  assert.equal(existsSync(join(dir, 'refused.branch.json')), false);
});
