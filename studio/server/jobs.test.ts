import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PalestraError } from '@palestra/envs/core';
import { type RolloutProgress, type RolloutResult, rollout } from '@palestra/runtime';
import {
  abortAllJobs,
  cancelJob,
  getJob,
  type JobEvent,
  jobFinished,
  startJob,
  subscribeJob,
} from './jobs.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-studio-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A job that reports `n` progress events, one per `release()`, then returns `n`. */
function steppedJob(n: number) {
  let release: () => void = () => {};
  const job = startJob<number, number>('count', 'count', async (signal, emit) => {
    for (let i = 1; i <= n; i++) {
      await new Promise<void>((r) => {
        release = r;
      });
      if (signal.aborted) return i;
      emit(i);
    }
    return n;
  });
  return { job, step: () => release() };
}

test('a job keeps its latest progress and result; watchers get each event, then the end', async () => {
  const { job, step } = steppedJob(3);
  assert.equal(job.status, 'running');
  const events: JobEvent<number, number>[] = [];
  subscribeJob<number, number>(job.id, (e) => events.push(e));
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    step();
    await new Promise((r) => setImmediate(r));
  }
  await jobFinished(job.id);
  const state = getJob<number, number>(job.id)!;
  assert.equal(state.status, 'done');
  assert.equal(state.progress, 3);
  assert.equal(state.result, 3);
  assert.ok(state.endedAt! >= state.startedAt);
  assert.deepEqual(
    events.map((e) => (e.type === 'progress' ? e.progress : `end:${e.job.status}`)),
    [1, 2, 3, 'end:done'],
  );
  assert.equal(cancelJob(job.id), false, 'a finished job cannot be cancelled');
  assert.equal(getJob('nope'), undefined);
});

test('a throttled watcher gets the latest progress at most once per interval, and every end', async () => {
  const job = startJob<number, void>('burst', 'burst', async (_signal, emit) => {
    for (let i = 1; i <= 500; i++) emit(i);
    await new Promise((r) => setTimeout(r, 250));
    for (let i = 501; i <= 1000; i++) emit(i);
  });
  const got: (number | string)[] = [];
  subscribeJob<number, void>(job.id, (e) => got.push(e.type === 'progress' ? e.progress : 'end'), {
    throttleMs: 100,
  });
  await jobFinished(job.id);
  assert.equal(got.at(-1), 'end');
  const progress = got.filter((x) => typeof x === 'number');
  assert.ok(progress.length >= 2 && progress.length <= 5, `throttled: ${progress.join(',')}`);
  assert.equal(progress[0], 1, 'the first event goes at once');
  assert.ok(progress.includes(500), 'the latest of a burst is delivered after the interval');
});

test('with phases, the last event of a phase is delivered before the next phase', async () => {
  type P = { kind: 'a' | 'b'; n: number };
  const job = startJob<P, void>('phases', 'phases', async (_signal, emit) => {
    for (let n = 1; n <= 50; n++) emit({ kind: 'a', n });
    emit({ kind: 'b', n: 1 });
    await new Promise((r) => setTimeout(r, 150));
  });
  const got: string[] = [];
  subscribeJob<P, void>(
    job.id,
    (e) => got.push(e.type === 'progress' ? `${e.progress.kind}${e.progress.n}` : 'end'),
    {
      throttleMs: 100,
      phase: (p) => p.kind,
    },
  );
  await jobFinished(job.id);
  assert.deepEqual(got, ['a1', 'a50', 'b1', 'end']);
});

test('a failing job carries the code, message and hint of its error', async () => {
  const job = startJob('bad', 'bad', async () => {
    throw new PalestraError('UNKNOWN_AGENT', 'unknown agent "nobody"', { hint: 'use random' });
  });
  await jobFinished(job.id);
  const state = getJob(job.id)!;
  assert.equal(state.status, 'failed');
  assert.equal(state.error?.code, 'UNKNOWN_AGENT');
  assert.equal(state.error?.message, 'unknown agent "nobody"');
  assert.equal(state.error?.hint, 'use random');
  const plain = startJob('plain', 'plain', () => {
    throw new Error('boom');
  });
  await jobFinished(plain.id);
  assert.deepEqual(getJob(plain.id)!.error, { code: 'JOB_FAILED', message: 'boom' });
});

test('a cancelled rollout job ends cancelled; the same options again finish the folder, no episode twice', async () => {
  const out = join(dir, 'lake');
  const options = { env: 'frozen-lake', episodes: 40, out, overseer: 'none' };
  const first = startJob<RolloutProgress, RolloutResult>('rollout', 'lake', (signal, emit) =>
    rollout(options, { signal, onProgress: emit }),
  );
  subscribeJob<RolloutProgress, RolloutResult>(first.id, (e) => {
    if (e.type === 'progress' && e.progress.kind === 'episodes' && e.progress.done >= 5) cancelJob(first.id);
  });
  await jobFinished(first.id);
  const stopped = getJob<RolloutProgress, RolloutResult>(first.id)!;
  assert.equal(stopped.status, 'cancelled');
  assert.equal(stopped.result?.interrupted, true);
  const kept = stopped.result!.episodes.filter((e) => e.status === 'complete').length;
  assert.ok(kept >= 5 && kept < 40, `stopped midway (${kept})`);

  const again = startJob<RolloutProgress, RolloutResult>('rollout', 'lake', (signal, emit) =>
    rollout(options, { signal, onProgress: emit }),
  );
  await jobFinished(again.id);
  const done = getJob<RolloutProgress, RolloutResult>(again.id)!;
  assert.equal(done.status, 'done');
  assert.equal(done.result?.summary.complete, 40);
  assert.equal(done.result?.summary.resumed, kept);
  assert.equal(readdirSync(out).filter((f) => f.endsWith('.jsonl')).length, 40, 'one file per episode');
});

test('abortAllJobs stops every running job (a closing studio)', async () => {
  const untilAborted = (signal: AbortSignal) =>
    new Promise((r) => (signal.aborted ? r(null) : signal.addEventListener('abort', r)));
  const a = startJob('wait', 'wait', untilAborted);
  await new Promise((r) => setImmediate(r)); // a is waiting; b is aborted before its body starts
  const b = startJob('wait', 'wait', untilAborted);
  assert.equal(getJob(a.id)!.status, 'running');
  await abortAllJobs(2000);
  assert.equal(getJob(a.id)!.status, 'cancelled');
  assert.equal(getJob(b.id)!.status, 'cancelled');
});
