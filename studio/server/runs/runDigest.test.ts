// The run page's digest of a real rollout (frozen-lake, a random agent, scored by the rules):
// its numbers against the rollout's own summary.json, the Wilson interval, the histogram, the
// per-task rows, the parts of an eval folder, the cache, and a tampered file listed as unreadable.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evaluate, type RolloutSummary, rollout } from '@palestra/runtime';
import { wilson } from '../../app/stats/wilson.ts';
import { histogram } from './histogram.ts';
import { digestRows, runDigest, runParts } from './runDigest.ts';

let tmp: string;
let dir: string;
let summary: RolloutSummary;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-run-digest-'));
  dir = join(tmp, 'lake');
  const result = await rollout({ env: 'frozen-lake', agent: 'random', episodes: 12, out: dir, workers: 0 });
  summary = result.summary;
  await evaluate({ env: 'echo-target', agent: 'random', episodesPerTask: 1, out: join(tmp, 'ev') });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('the digest of a rollout says what its summary.json says', async () => {
  const d = await runDigest(dir, '');
  assert.equal(d.files, 12);
  assert.equal(d.unreadable, 0);
  assert.equal(d.kept, summary.complete);
  assert.ok(Math.abs(d.returnMean - summary.returnMean) < 1e-9, `${d.returnMean} vs ${summary.returnMean}`);
  assert.ok(Math.abs(d.returnStd - summary.returnStd) < 1e-9);
  assert.ok(Math.abs(d.length.mean - summary.meanLength) < 1e-9);
  assert.equal(d.success.rate, summary.successRate);
  assert.equal(d.success.n, summary.complete);
  assert.equal(d.invalidActions, summary.invalidActions);
  assert.equal(d.failed.total, summary.failed);
  assert.equal(d.scored, 12, 'the rules scored every episode');
  assert.deepEqual(
    d.perTask.map((t) => [t.taskIndex, t.taskId, t.episodes, t.successRate]),
    summary.perTask.map((t) => [t.taskIndex, t.taskId, t.episodes, t.successRate]),
  );
  assert.equal(
    d.histogram.reduce((n, b) => n + b.count, 0),
    d.kept,
    'every kept episode is in one bin',
  );
  const rows = d.episodes.filter((r) => r.readable);
  assert.equal(Math.max(...rows.map((r) => r.length)), d.length.max);
  assert.ok(rows.every((r) => /^episode-g\d+-m\d+\.jsonl$/.test(r.path)));
  assert.ok(!JSON.stringify(d).includes('observation'), 'no observation crosses to the page');
});

test('the Wilson interval: known values, and inside [0, 1] at 0 and n successes', () => {
  const w = wilson(3, 10);
  assert.ok(Math.abs(w.low - 0.1078) < 1e-4 && Math.abs(w.high - 0.6032) < 1e-4, JSON.stringify(w));
  assert.equal(wilson(0, 8).low, 0);
  assert.ok(Math.abs(wilson(0, 8).high - 0.3244) < 1e-4);
  assert.equal(wilson(8, 8).high, 1);
  assert.deepEqual([wilson(0, 0).low, wilson(0, 0).high], [0, 1]);
});

test('histogram bins: equal widths, the maximum in the last bin, one bin when all values agree', () => {
  assert.deepEqual(histogram([0, 0, 1, 1]), [
    { low: 0, high: 0.5, count: 2 },
    { low: 0.5, high: 1, count: 2 },
  ]);
  // ⌈√5⌉ = 3 bins: the middle one empty, the maximum in the last.
  assert.deepEqual(
    histogram([0, 0, 1, 1, 1]).map((b) => b.count),
    [2, 0, 3],
  );
  assert.deepEqual(histogram([2, 2, 2]), [{ low: 2, high: 2, count: 3 }]);
  assert.deepEqual(histogram([]), []);
  assert.equal(histogram(Array.from({ length: 1000 }, (_, i) => i)).length, 20);
});

test('the digest is cached until the folder changes; a tampered file is listed as unreadable with its line', async () => {
  const first = await runDigest(dir, '');
  assert.equal(first.ms, 0, 'the second read of an unchanged folder comes from the cache');
  const file = join(dir, 'episode-g000003-m00.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  const step = JSON.parse(lines[1] as string);
  step.reward += 1_000_000;
  lines[1] = JSON.stringify(step);
  writeFileSync(file, lines.join('\n'));
  const d = await runDigest(dir, '');
  assert.ok(d.ms > 0, 'a changed folder is read again');
  assert.equal(d.unreadable, 1);
  assert.equal(d.files, 12);
  const bad = d.episodes.find((r) => r.path === 'episode-g000003-m00.jsonl');
  assert.ok(bad && !bad.readable, JSON.stringify(bad));
  assert.equal(bad.code, 'RECORD_CORRUPT');
  assert.equal(bad.line, 2);
  assert.equal(d.kept, summary.complete - 1);
});

test('an eval folder has two parts, a and b, each read on its own', async () => {
  const ev = join(tmp, 'ev');
  assert.deepEqual(runParts(ev), ['a']);
  assert.deepEqual(runParts(dir), ['']);
  const a = await runDigest(ev, 'a');
  assert.equal(a.files, 2);
  assert.ok(
    a.episodes.every((r) => r.path.startsWith('a/task-')),
    JSON.stringify(a.episodes.map((r) => r.path)),
  );
});

test('failed, truncated and vetoed episodes are counted; components are averaged per name', () => {
  const row = (over: object) => ({
    path: 'x.jsonl',
    readable: true as const,
    taskIndex: 0,
    taskId: 't',
    seed: 0,
    return: 1,
    length: 2,
    complete: true,
    terminated: true,
    truncated: false,
    success: true,
    fault: null,
    error: null,
    invalidActions: 0,
    vetoed: false,
    score: 1,
    components: [{ name: 'goal', value: 1 }],
    ...over,
  });
  const d = digestRows('', [
    row({}),
    row({
      truncated: true,
      terminated: false,
      success: false,
      return: 0,
      components: [{ name: 'goal', value: 0 }],
    }),
    row({ vetoed: true, success: false }),
    row({ fault: 'agent', error: 'AGENT_OUTPUT', success: false }),
    { path: 'bad.jsonl', readable: false, code: 'RECORD_CORRUPT', message: 'bad.jsonl:3: …', line: 3 },
  ]);
  assert.equal(d.kept, 3);
  assert.equal(d.truncated, 1);
  assert.equal(d.vetoed, 1);
  assert.deepEqual(d.failed, {
    total: 1,
    agent: 1,
    environment: 0,
    codes: [{ code: 'AGENT_OUTPUT', count: 1 }],
  });
  assert.equal(d.unreadable, 1);
  assert.deepEqual(d.components, [{ name: 'goal', mean: 0.75, episodes: 4 }]);
  assert.equal(d.success.k, 1);
});
