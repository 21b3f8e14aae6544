import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type LearnabilityProgress, learnability } from './learnability.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-learnability-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('learnability reports each agent as it starts and its episodes as they finish, then the report', async () => {
  const events: LearnabilityProgress[] = [];
  const report = await learnability(
    { env: 'echo-target', groups: 1, group: 2 },
    { onProgress: (e) => events.push(e) },
  );
  const agents = events.filter((e) => e.kind === 'agent');
  assert.deepEqual(
    agents.map((e) => [e.name, e.role, e.index, e.agents]),
    report.results.map((r, i) => [r.name, r.kind, i, report.results.length]),
  );
  for (const [i, r] of report.results.entries()) {
    const last = events.filter((e) => e.kind === 'episodes' && e.index === i).at(-1);
    assert.deepEqual(
      last?.kind === 'episodes' && [last.name, last.done + last.failed, last.total],
      [r.name, 2, 2],
      r.name,
    );
  }
  assert.equal(report.env, 'echo-target@1.0.0');
  assert.equal(report.ok, true);
});

test('an aborted analysis throws JOB_ABORTED, keeps the episodes in `out`, and the next call finishes it', async () => {
  const out = join(dir, 'aborted');
  const controller = new AbortController();
  await assert.rejects(
    learnability(
      { env: 'echo-target', groups: 1, group: 2, out },
      // Stop once the second agent (the first probe) starts: random's episodes are on disk.
      {
        signal: controller.signal,
        onProgress: (e) => e.kind === 'agent' && e.index === 1 && controller.abort(),
      },
    ),
    (e: Error & { code?: string; hint?: string }) => e.code === 'JOB_ABORTED' && e.hint!.includes(out),
  );
  const random = readdirSync(out).find((f) => f.startsWith('0-'))!;
  assert.equal(readdirSync(join(out, random)).filter((f) => f.endsWith('.jsonl')).length, 2);

  const resumed: LearnabilityProgress[] = [];
  const report = await learnability(
    { env: 'echo-target', groups: 1, group: 2, out },
    { onProgress: (e) => resumed.push(e) },
  );
  assert.equal(report.ok, true);
  assert.ok(report.results.every((r) => r.episodes === 2));
  // Random's two episodes were kept from the aborted call, not played again.
  const random2 = resumed.filter((e) => e.kind === 'episodes' && e.index === 0).at(-1);
  assert.deepEqual(random2?.kind === 'episodes' && [random2.done, random2.resumed], [2, 2]);

  await assert.rejects(
    learnability({ env: 'echo-target' }, { signal: AbortSignal.abort() }),
    (e: Error & { code?: string }) => e.code === 'JOB_ABORTED',
  );
});
