import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreement, cohensKappa, ranks, spearman } from './metrics.ts';

test('ranks share ties', () => {
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
});

test('Spearman: hand-computed values', () => {
  assert.equal(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

test("Cohen's kappa and agreement: hand-computed", () => {
  // decisions a: 1 1 0 0 1 0, b: 1 0 0 0 1 1 → po = 4/6, pa = pb = 1/2, pe = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3
  const a = [0.9, 0.8, 0.1, 0.2, 0.7, 0.3];
  const b = [1, 0.4, 0, 0.1, 0.6, 0.9];
  assert.equal(agreement(a, b), 4 / 6);
  assert.ok(Math.abs(cohensKappa(a, b) - 1 / 3) < 1e-12);
  assert.equal(cohensKappa(a, a), 1);
});
