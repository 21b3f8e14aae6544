import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutcomeFailure } from '../rollout/failure.ts';
import { type EpisodeStatus, episodeComplete, episodeFailed, succeeded } from './outcome.ts';

const failure: OutcomeFailure = {
  code: 'EXCEPTION',
  message: 'boom',
  fault: 'environment',
  recorded: true,
  step: 2,
};

test('success: a final state with a positive return, never a failed episode', () => {
  assert.equal(succeeded({ terminated: true, returnMicros: 1 }), true);
  assert.equal(succeeded({ terminated: true, returnMicros: 0 }), false, 'reached the end with nothing');
  assert.equal(succeeded({ terminated: true, returnMicros: -1_000_000 }), false);
  assert.equal(succeeded({ terminated: false, returnMicros: 1_000_000 }), false, 'cut by the step limit');
  assert.equal(succeeded({ terminated: true, returnMicros: 1_000_000, failure }), false);
});

test('kept: ended by its rules (now or on disk) and not failed; failed whatever its status', () => {
  const kept = (status: EpisodeStatus, f?: OutcomeFailure) => episodeComplete({ status, failure: f });
  assert.deepEqual(
    (['complete', 'resumed', 'interrupted', 'failed', 'pending'] as const).map((s) => kept(s)),
    [true, true, false, false, false],
  );
  assert.equal(kept('complete', failure), false, 'a recorded failure is complete on disk, never kept');
  assert.equal(kept('resumed', failure), false);
  assert.equal(episodeFailed({ failure }), true);
  assert.equal(episodeFailed({}), false);
});
