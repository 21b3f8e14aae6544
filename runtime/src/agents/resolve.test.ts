import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { resolveAgent } from './resolve.ts';

const spec = loadCatalog('echo-target').spec;

test('openai:<model>, anthropic:<model> and human resolve; a missing key names its variable', () => {
  const saved = { ...process.env };
  try {
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:8000/v1';
    delete process.env.OPENAI_API_KEY;
    assert.equal(resolveAgent('openai:qwen2.5:7b', spec, 1).id, 'openai:qwen2.5:7b');
    delete process.env.OPENAI_BASE_URL;
    assert.throws(() => resolveAgent('openai:gpt-4o-mini', spec, 1), {
      code: 'MISSING_API_KEY',
      message: /OPENAI_API_KEY/,
    });
    process.env.ANTHROPIC_API_KEY = 'test-key';
    assert.equal(resolveAgent('anthropic:claude-sonnet-4-5', spec, 1).id, 'anthropic:claude-sonnet-4-5');
    assert.equal(resolveAgent('human', spec, 1).id, 'human');
    assert.throws(() => resolveAgent('openai:', spec, 1), { code: 'UNKNOWN_AGENT' });
  } finally {
    process.env = saved;
  }
});

test('random:invalid=<rate> asks the random agent for invalid calls; a bad rate is refused', () => {
  assert.equal(resolveAgent('random', spec, 3).id, 'random:3');
  assert.equal(resolveAgent('random:invalid=0.25', spec, 3).id, 'random:3:invalid=0.25');
  assert.throws(() => resolveAgent('random:invalid=2', spec, 3), {
    code: 'UNKNOWN_AGENT',
    message: /from 0 to 1/,
  });
  assert.throws(() => resolveAgent('random:invalid=', spec, 3), { code: 'UNKNOWN_AGENT' });
});
