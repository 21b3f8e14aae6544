import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_BOX,
  describeCurve,
  formatValue,
  lineGeometry,
  niceTicks,
  stepTicks,
} from './chartGeometry.ts';

test('nice ticks are round numbers covering the range', () => {
  assert.deepEqual(niceTicks(0.13, 0.87, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3, 7, 5), [-4, -2, 0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(2, 2, 4), [1.8, 2, 2.2]);
  assert.deepEqual(niceTicks(0, 0, 2), [-1, 0, 1]);
  assert.deepEqual(niceTicks(Number.NaN, 1), []);
});

test('step ticks are integers from the first step to the last, at most about the count', () => {
  assert.deepEqual(stepTicks(0, 5), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(stepTicks(1, 40, 10), [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 40]);
});

test('curves map steps and values into the plot area, bands above and below the line', () => {
  const g = lineGeometry(
    [
      [
        { x: 2, y: 0.5, lo: 0.25, hi: 0.75 },
        { x: 0, y: 0, lo: 0, hi: 0 },
        { x: 4, y: 1, lo: 0.5, hi: 1 },
      ],
    ],
    { fromStep: 0, toStep: 4 },
  );
  const { x0, x1, y0, y1 } = g.plot;
  assert.deepEqual([x0, x1, y0, y1], [56, 446, 14, 180]);
  const [c] = g.curves;
  assert.ok(c);
  // Sorted by step: step 0 at the left edge at the bottom (y 0), step 4 at the right edge at the top (y 1).
  assert.equal(c.line, `56,180 251,97 446,14`);
  assert.equal(c.band, `56,180 251,55.5 446,14 446,97 251,138.5 56,180`);
  assert.deepEqual(
    g.yTicks.map((t) => [t.label, t.at]),
    [
      ['0', 180],
      ['0.2', 146.8],
      ['0.4', 113.6],
      ['0.6', 80.4],
      ['0.8', 47.2],
      ['1', 14],
    ],
  );
  assert.equal(g.xOf(1), 153.5);
  assert.equal(g.xTicks.length, 5);
});

test('a single point draws a dot and no line; no data still gives axes', () => {
  const one = lineGeometry([[{ x: 3, y: 2 }]], { fromStep: 1, toStep: 3 }, DEFAULT_BOX);
  assert.equal(one.curves[0]?.line, '');
  assert.equal(one.curves[0]?.dots.length, 1);
  assert.ok(one.yTicks.some((t) => t.value <= 2) && one.yTicks.some((t) => t.value >= 2));
  const none = lineGeometry([[]], { fromStep: 0, toStep: 0 });
  assert.equal(none.curves[0]?.dots.length, 0);
  assert.ok(none.yTicks.length > 1);
});

test('values format with three significant digits', () => {
  assert.deepEqual([0, 3, 0.123456, 1234.5, -0.0421, Number.NaN].map(formatValue), [
    '0',
    '3',
    '0.123',
    '1235',
    '-0.0421',
    '–',
  ]);
});

test('a curve in words names its ends and extremes', () => {
  assert.equal(
    describeCurve('loss', [
      { x: 2, y: 0.4 },
      { x: 1, y: 0.9 },
      { x: 3, y: 0.5 },
    ]),
    'loss: 3 points, step 1: 0.9 → step 3: 0.5; lowest 0.4 (step 2), highest 0.9 (step 1).',
  );
  assert.equal(describeCurve('KL', []), 'KL: no data.');
});
