import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type EvaluateProgress, evaluate } from './evaluate.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-evaluate-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('evaluate pairs the agents by task and seed, reports each side, and writes eval.json', async () => {
  const out = join(dir, 'echo');
  const events: EvaluateProgress[] = [];
  // The same agent on both sides: paired on the same units, every difference is exactly 0.
  const { report, reportPath, interrupted } = await evaluate(
    { env: 'echo-target', agent: 'random', vs: 'random', episodesPerTask: 3, seed: 5, out },
    { onProgress: (e) => events.push(e) },
  );
  assert.equal(interrupted, false);
  assert.equal(report.split, 'eval');
  assert.equal(report.tasks, 2);
  assert.equal(report.difference?.pairs, 6);
  assert.deepEqual([report.difference?.meanReturn.estimate, report.difference?.successRate.estimate], [0, 0]);
  assert.equal(report.a.meanReturn.estimate, report.b?.meanReturn.estimate);
  assert.equal(reportPath, join(out, 'eval.json'));
  assert.deepEqual(JSON.parse(readFileSync(reportPath, 'utf8')), JSON.parse(JSON.stringify(report)));
  for (const label of ['a', 'b']) {
    const last = events.filter((e) => e.label === label).at(-1);
    assert.deepEqual(last && [last.done, last.total], [6, 6], label);
  }
  const labels = events.map((e) => e.label);
  assert.ok(labels.lastIndexOf('a') < labels.indexOf('b'), 'a is played first, then b');
});
