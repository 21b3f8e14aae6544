import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PalestraError, ReplayDivergence, SpecError } from './errors.ts';

test('SpecError lists every issue with its JSON path', () => {
  const e = new SpecError([
    { path: '$.machine.initial', message: 'required' },
    { path: '$.tools[0].event', message: 'unknown event' },
  ]);
  assert.ok(e instanceof PalestraError);
  assert.equal(e.code, 'SPEC_INVALID');
  assert.match(e.message, /\$\.machine\.initial: required/);
  assert.match(e.message, /\$\.tools\[0\]\.event/);
});

test('ReplayDivergence names step, field, expected and actual', () => {
  const e = new ReplayDivergence(3, 'reward', 1, 0);
  assert.equal(e.step, 3);
  assert.match(e.message, /step 3, field "reward": expected 1, got 0/);
});
