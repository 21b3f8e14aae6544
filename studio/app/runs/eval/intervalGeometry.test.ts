import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intervalGeometry } from './intervalGeometry.ts';

test('intervals share one axis that includes zero, rows top to bottom', () => {
  const g = intervalGeometry([
    { label: 'a', estimate: 0.75, low: 0.5, high: 1 },
    { label: 'b', estimate: 0.25, low: 0, high: 0.5 },
    { label: 'a − b', estimate: 0.5, low: 0.25, high: 0.75 },
  ]);
  assert.deepEqual(
    g.ticks.map((t) => t.label),
    ['0', '0.2', '0.4', '0.6', '0.8', '1'],
  );
  assert.equal(g.zero, 170);
  assert.deepEqual(
    g.rows.map((r) => [r.row.label, r.y, r.lo, r.x, r.hi]),
    [
      ['a', 25, 335, 417.5, 500],
      ['b', 59, 170, 252.5, 335],
      ['a − b', 93, 252.5, 335, 417.5],
    ],
  );
  assert.equal(g.height, 8 + 3 * 34 + 34);
});

test('a negative difference extends the axis left of zero; a fixed domain is kept', () => {
  const g = intervalGeometry([{ label: 'a − b', estimate: -1.5, low: -3.2, high: 0.4 }]);
  assert.equal(g.ticks[0]?.value, -4);
  assert.equal(g.ticks.at(-1)?.value, 1);
  assert.ok(g.zero !== null && g.rows[0]!.x! < g.zero && g.rows[0]!.hi! > g.zero);
  const rate = intervalGeometry([{ label: 'a', estimate: 0.1, low: 0, high: 0.2 }], { domain: [0, 1] });
  assert.equal(rate.ticks.at(-1)?.value, 1);
});

test('a row measured over nothing (null) has no marks', () => {
  const g = intervalGeometry([{ label: 'a', estimate: null, low: null, high: null }]);
  assert.deepEqual([g.rows[0]?.x, g.rows[0]?.lo, g.rows[0]?.hi], [null, null, null]);
  assert.ok(g.ticks.length > 1);
});
