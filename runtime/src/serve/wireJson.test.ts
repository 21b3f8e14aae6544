import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wireJson } from './wireJson.ts';

test('whole-number rewards go out as floats, at any depth; everything else as JSON.stringify writes it', () => {
  assert.equal(
    wireJson({ observation: { text: 'reward: 1', reward: 0 }, reward: -2, done: true }),
    '{"observation":{"text":"reward: 1","reward":0.0},"reward":-2.0,"done":true}',
  );
  assert.equal(wireJson({ reward: 0.25, steps: 1 }), '{"reward":0.25,"steps":1}');
  assert.equal(wireJson({ reward: null }), '{"reward":null}');
  assert.equal(wireJson([{ reward: 3 }]), '[{"reward":3.0}]');
  // Python's json reads them as floats; JSON.parse gives the same numbers back.
  assert.deepEqual(JSON.parse(wireJson({ reward: 1, x: [1] })), { reward: 1, x: [1] });
});

test('a string that looks like the placeholder stays a string', () => {
  const sneaky = { text: '\u0001reward-000000000000:5', reward: 1 };
  assert.equal(JSON.parse(wireJson(sneaky)).text, sneaky.text);
});

test("a vector step's rewards go out as floats too", () => {
  assert.equal(wireJson({ rewards: [0, 1, 0.5], n: [1] }), '{"rewards":[0.0,1.0,0.5],"n":[1]}');
});
