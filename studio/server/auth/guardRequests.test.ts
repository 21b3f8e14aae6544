// Which URLs the workspace guard looks at: every path under one environment or one run, React
// Router's `.data` requests included; lists and other pages are left to their loaders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guardedTarget } from './guardRequests.ts';

test('the guard names the environment or run of a path, and nothing else', () => {
  assert.deepEqual(guardedTarget('/env/abc'), { kind: 'env', id: 'abc' });
  assert.deepEqual(guardedTarget('/env/abc.data'), { kind: 'env', id: 'abc' });
  assert.deepEqual(guardedTarget('/env/abc/versions/3/export'), { kind: 'env', id: 'abc' });
  assert.deepEqual(guardedTarget('/env/abc/assistant.data'), { kind: 'env', id: 'abc' });
  assert.deepEqual(guardedTarget('/env/a%20b'), { kind: 'env', id: 'a b' });
  assert.deepEqual(guardedTarget('/runs/r1/episode/a/ep-1.jsonl'), { kind: 'run', id: 'r1' });
  assert.deepEqual(guardedTarget('/runs/r1.data'), { kind: 'run', id: 'r1' });
  for (const path of ['/', '/runs', '/runs.data', '/workspaces', '/environments/x', '/env/', '/env/%E0'])
    assert.equal(guardedTarget(path), undefined, path);
});
