import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PalestraError } from './PalestraError.ts';

test('a PalestraError carries code, message, details, hint and cause', () => {
  const cause = new Error('listen EADDRINUSE');
  const e = new PalestraError('PORT_IN_USE', 'port 8000 is in use', {
    details: { port: 8000 },
    hint: 'pass --port 0',
    cause,
  });
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'PalestraError');
  assert.equal(e.code, 'PORT_IN_USE');
  assert.equal(e.message, 'port 8000 is in use');
  assert.deepEqual(e.details, { port: 8000 });
  assert.equal(e.hint, 'pass --port 0');
  assert.equal(e.cause, cause);
  assert.equal(e.explain(), 'port 8000 is in use\n  → pass --port 0');
});

test('without options: empty details, no hint, and no cause property at all', () => {
  const e = new PalestraError('X_FAILED', 'x failed');
  assert.deepEqual(e.details, {});
  assert.equal(e.hint, undefined);
  assert.ok(!('cause' in e), 'no own cause, so walk() and inspect() see a chain of one');
  assert.equal(e.explain(), 'x failed');
});

test('a subclass keeps its own name and is a PalestraError', () => {
  class ChainError extends PalestraError {
    override name = 'ChainError';
  }
  const e = new ChainError('CHAIN_DOWN', 'down');
  assert.ok(e instanceof PalestraError);
  assert.equal(e.name, 'ChainError');
  assert.match(String(e.stack), /^ChainError: down/);
});
