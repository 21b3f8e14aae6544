import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCode, registerCodes, registeredCodes } from './registry.ts';

test('registerCodes returns the codes as a frozen map and makes each describable', () => {
  const codes = registerCodes('test-alpha', { ALPHA_ONE: 'the first', ALPHA_TWO: 'the second' });
  assert.equal(codes.ALPHA_ONE, 'the first');
  assert.ok(Object.isFrozen(codes));
  assert.deepEqual(describeCode('ALPHA_TWO'), { domain: 'test-alpha', meaning: 'the second' });
  assert.equal(describeCode('NEVER_DECLARED'), undefined);
  const listed = registeredCodes().filter((c) => c.domain === 'test-alpha');
  assert.deepEqual(
    listed.map((c) => c.code),
    ['ALPHA_ONE', 'ALPHA_TWO'],
  );
});

test('a code declared by two domains is refused, and the refused declaration adds nothing', () => {
  registerCodes('test-beta', { SHARED_CODE: 'beta meaning' });
  assert.throws(
    () => registerCodes('test-gamma', { GAMMA_ONLY: 'fine', SHARED_CODE: 'gamma meaning' }),
    (e: unknown) =>
      e instanceof TypeError && /SHARED_CODE is declared by both test-beta and test-gamma/.test(e.message),
  );
  assert.deepEqual(describeCode('SHARED_CODE'), { domain: 'test-beta', meaning: 'beta meaning' });
  assert.equal(describeCode('GAMMA_ONLY'), undefined, 'nothing of a refused declaration is kept');
});

test('declaring the same code again is a no-op for the same meaning and refused for another', () => {
  registerCodes('test-delta', { DELTA_CODE: 'delta' });
  assert.doesNotThrow(() => registerCodes('test-delta', { DELTA_CODE: 'delta' }));
  assert.throws(() => registerCodes('test-delta', { DELTA_CODE: 'something else' }), /different meanings/);
});

test('codes must be UPPER_SNAKE_CASE', () => {
  assert.throws(() => registerCodes('test-epsilon', { 'port-busy': 'x' }), /UPPER_SNAKE_CASE/);
  assert.throws(() => registerCodes('test-epsilon', { portBusy: 'x' }), /UPPER_SNAKE_CASE/);
});
