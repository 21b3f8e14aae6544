// The two SHA-256 implementations the hashes go through (noble everywhere, node:crypto under
// @palestra/envs/node) give the same bytes, so the host can never change an episode's root.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nobleSha256Hex } from './hash.ts';
import { nodeSha256Hex } from './nodeSha256.ts';

test('noble and node:crypto SHA-256 agree on any parts, strings as UTF-8', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 300 }))),
      (parts) => {
        assert.equal(nobleSha256Hex(parts), nodeSha256Hex(parts));
      },
    ),
    { numRuns: 300 },
  );
  // The empty input and a known vector (FIPS 180-2 "abc").
  assert.equal(nobleSha256Hex([]), nodeSha256Hex([]));
  assert.equal(
    nodeSha256Hex(['a', 'bc']),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});
