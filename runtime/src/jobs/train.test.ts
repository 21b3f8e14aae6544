import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type TrainOptions, train } from './train.ts';

/**
 * The job's own refusals, each before the trainer service starts (no Python, no model): the run
 * folder is never made. The training itself is tested end to end in train/train.e2e.test.ts.
 */

const dir = mkdtempSync(join(tmpdir(), 'palestra-train-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const options = (out: string): TrainOptions => ({
  env: 'echo-phrasings',
  algo: 'grpo',
  // A model that does not exist: a refusal must come first, or this would fail another way.
  model: join(dir, 'no-model'),
  steps: 1,
  group: 2,
  out: join(dir, out),
});

const refusedWith = (code: string) => (e: Error & { code?: string }) => {
  assert.equal(e.code, code, e.message);
  return true;
};

test('a signal aborted before the call: JOB_ABORTED, nothing started', async () => {
  await assert.rejects(
    train(options('aborted'), { signal: AbortSignal.abort() }),
    refusedWith('JOB_ABORTED'),
  );
  assert.equal(existsSync(join(dir, 'aborted')), false);
});

test('options that cannot train are refused before the trainer starts', async () => {
  await assert.rejects(
    train({ ...options('cold'), temperature: 0 }),
    refusedWith('TRAIN_TEMPERATURE_INVALID'),
  );
  // SFT imitates transcripts: without them there is nothing to train on (greedy SFT is fine).
  await assert.rejects(
    train({ ...options('sft'), algo: 'sft', temperature: 0 }),
    refusedWith('WARM_START_REQUIRED'),
  );
  await assert.rejects(train({ ...options('sft-steps'), sftSteps: 3 }), refusedWith('WARM_START_REQUIRED'));
  for (const out of ['cold', 'sft', 'sft-steps']) assert.equal(existsSync(join(dir, out)), false, out);
});
