import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExpr, Prng } from '@palestra/envs/core';
import { CEL_FUNCTIONS } from './celFunctions.ts';

describe('CEL_FUNCTIONS', () => {
  for (const f of CEL_FUNCTIONS)
    it(`${f.kind} ${f.name}: its example runs in envs' CEL and is true`, () => {
      assert.ok(new RegExp(`\\b${f.name}\\(`).test(f.example), 'the example uses it');
      assert.equal(compileExpr(f.example)({ order: { id: 'A-1' } }, new Prng(1)), true);
    });

  it('a name CEL does not know fails the same way (the test can fail)', () => {
    assert.throws(() => compileExpr('"a".shout()')({}, new Prng(1)));
  });
});
