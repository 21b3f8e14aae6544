import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { taskIndices } from '@palestra/envs/core';
import { catalogSummaries, countStates } from './catalog.ts';

test('countStates counts nested states and not the root', () => {
  assert.equal(countStates({}), 0);
  assert.equal(countStates({ states: { a: {}, b: { states: { c: {}, d: { states: { e: {} } } } } } }), 5);
});

test('every catalog environment is summarised with its counts', () => {
  const summaries = catalogSummaries();
  assert.deepEqual(
    summaries.map((s) => s.name),
    catalogNames(),
  );
  for (const s of summaries) {
    assert.equal(s.error, undefined, `${s.name}: ${s.error}`);
    const { spec } = loadCatalog(s.name);
    assert.equal(s.tools, spec.tools.length);
    assert.equal(s.train + s.eval, s.tasks, s.name);
    assert.equal(s.eval, taskIndices(spec, 'eval').length);
    assert.ok(s.states > 0, s.name);
  }
});
