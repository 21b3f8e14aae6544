import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PalestraError } from './PalestraError.ts';
import { walk } from './walk.ts';

const isPalestra = (e: unknown) => e instanceof PalestraError;

test('walk finds the outermost match through errors that are not Palestra errors', () => {
  const root = new Error('ECONNREFUSED');
  const inner = new PalestraError('RPC_UNREACHABLE', 'no answer', { cause: root });
  const outer = new PalestraError('CHAIN_DOWN', 'the chain is down', { cause: inner });
  const wrapper = new Error('request failed', { cause: outer });
  assert.equal(walk(wrapper, isPalestra), outer, 'the outermost match, not the innermost');
  assert.equal(
    walk(wrapper, (e) => e instanceof PalestraError && e.code === 'RPC_UNREACHABLE'),
    inner,
  );
  assert.equal(walk(wrapper), root, 'without a predicate: the root cause');
  assert.equal(outer.walk(), root, 'the method walks from the error itself');
  assert.equal(
    outer.walk((e) => e === outer),
    outer,
    'the error itself is the first candidate',
  );
});

test('walk returns undefined when nothing matches, and handles non-error values in the chain', () => {
  const chain = new Error('a', { cause: new Error('b', { cause: 'a thrown string' }) });
  assert.equal(walk(chain, isPalestra), undefined);
  assert.equal(walk(chain), 'a thrown string');
  assert.equal(walk(undefined), undefined);
  assert.equal(walk(null, isPalestra), undefined);
  assert.equal(walk(42), 42);
  // An explicit `cause: undefined` ends the chain like no cause at all.
  const last = Object.assign(new Error('last'), { cause: undefined });
  assert.equal(walk(new Error('first', { cause: last })), last);
});

test('a cause chain that loops stops at the first repeat instead of hanging', () => {
  const a = new Error('a') as Error & { cause?: unknown };
  const b = new Error('b', { cause: a });
  a.cause = b;
  assert.equal(walk(a, isPalestra), undefined);
  assert.equal(walk(a), b, 'the last error before the chain repeats');
  const self = new Error('self') as Error & { cause?: unknown };
  self.cause = self;
  assert.equal(walk(self), self);
  const known = new PalestraError('X_LOOP', 'loop');
  const loop = new Error('loop', { cause: known });
  Object.defineProperty(known, 'cause', { value: loop });
  assert.equal(walk(loop, isPalestra), known, 'a match inside a loop is still found');
});
