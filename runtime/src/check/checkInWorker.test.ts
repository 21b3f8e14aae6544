// The checker thread's outcomes other than a timeout (the CLI's test covers that): a report, an
// abort that ends a stuck thread at once, and a checker error passed on with its code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PalestraError } from '@palestra/envs';
import { envSource } from '@palestra/envs/core';
import { HANG_FILES, HANG_SPEC } from '@palestra/testing/envs';
import { checkInWorker } from './checkInWorker.ts';

const hang = envSource(HANG_SPEC, HANG_FILES);

test('an abort ends a thread stuck in native code with the abort reason, long before the budget', async () => {
  const controller = new AbortController();
  const t0 = performance.now();
  const check = checkInWorker(hang, { crossHost: false, budgetMs: 60_000, signal: controller.signal });
  setTimeout(() => controller.abort(new PalestraError('STOPPED_HERE', 'stopped by the test')), 1500);
  await assert.rejects(check, { code: 'STOPPED_HERE' });
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `ended after ${ms.toFixed(0)} ms`);
});

test('an abort without a PalestraError reason rejects with JOB_ABORTED; aborted before, no thread', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(checkInWorker(hang, { budgetMs: 60_000, signal: controller.signal }), {
    code: 'JOB_ABORTED',
  });
});

test("an error the thread meets is passed on with its own code and message, not as the thread's", async () => {
  // A source whose spec no longer parses (changed after it was validated): the thread's envSource
  // throws a SpecError, whose code the caller gets.
  const broken = { ...hang, spec: { ...hang.spec, machine: { initial: 'nowhere', states: {} } } };
  const e = await checkInWorker(broken as typeof hang, { crossHost: false, budgetMs: 30_000 }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(e instanceof PalestraError);
  assert.notEqual(e.code, 'CHECK_FAILED');
  assert.notEqual(e.code, 'CHECK_TIMEOUT');
  assert.match(e.message, /nowhere/);
});
