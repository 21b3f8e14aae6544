import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VerdictCache, verdictKey } from './cache.ts';

test('a verdict is found again by the hash of what determines it, and only by that', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdicts-'));
  const parts = {
    rubric: 'be kind',
    judge: 'openai:m',
    settings: { temperature: 0, n: 3 },
    transcript: [{ a: 1 }],
  };
  const key = verdictKey(parts);
  assert.equal(
    key,
    verdictKey({
      settings: { n: 3, temperature: 0 },
      transcript: [{ a: 1 }],
      judge: 'openai:m',
      rubric: 'be kind',
    }),
    'key order does not matter',
  );
  assert.notEqual(key, verdictKey({ ...parts, rubric: 'be kinder' }));
  const cache = new VerdictCache<{ score: number }>(dir);
  assert.equal(cache.get(key), undefined);
  const hash = cache.put(key, { score: 0.5 });
  const again = new VerdictCache<{ score: number }>(dir).get(key);
  assert.deepEqual(again?.verdict, { score: 0.5 });
  assert.equal(again?.entryHash, hash, 'the committed entry hash is stable across processes');
});
