import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import {
  anthropicTools,
  apiKeyFor,
  EpisodeConversations,
  isLocalUrl,
  openaiTools,
  toolCallAction,
  toolResultTexts,
} from './messages.ts';

describe('messages shared by model agents', () => {
  test('tool calls → actions: JSON objects are parsed; anything else reaches the kernel as it came', () => {
    assert.deepEqual(toolCallAction('move', '{"direction":"up"}'), {
      tool: 'move',
      arguments: { direction: 'up' },
    });
    assert.deepEqual(toolCallAction('move', ''), { tool: 'move', arguments: {} });
    assert.deepEqual(toolCallAction('move', { direction: 'up' }), {
      tool: 'move',
      arguments: { direction: 'up' },
    });
    assert.deepEqual(toolCallAction('move', '{"direction":'), { tool: 'move', arguments: '{"direction":' });
    assert.deepEqual(toolCallAction('move', '[1]'), { tool: 'move', arguments: [1] });
    assert.deepEqual(toolCallAction('move', '"up"'), { tool: 'move', arguments: 'up' });
    assert.deepEqual(toolCallAction(undefined, '{}'), { tool: 'undefined', arguments: {} });
  });

  test('tools in both providers’ shapes keep name, description and schema', () => {
    const tools = loadCatalog('refund-desk').spec.tools;
    const o = openaiTools(tools);
    const a = anthropicTools(tools);
    assert.equal(o.length, tools.length);
    tools.forEach((t, i) => {
      assert.deepEqual(o[i], {
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      });
      assert.deepEqual(a[i], { name: t.name, description: t.description, input_schema: t.parameters });
    });
  });

  test('several calls: only the last result carries the observation', () => {
    const texts = toolResultTexts(3, { text: 'now', json: {} });
    assert.equal(texts.length, 3);
    assert.equal(texts[2], 'now');
    assert.match(texts[0]!, /call 1 of 3/);
  });

  test('keys: given, else the variable, else a placeholder for local servers only', () => {
    const saved = process.env.PALESTRA_TEST_KEY;
    delete process.env.PALESTRA_TEST_KEY;
    try {
      assert.equal(apiKeyFor('PALESTRA_TEST_KEY', 'k', undefined), 'k');
      assert.equal(apiKeyFor('PALESTRA_TEST_KEY', undefined, 'http://localhost:11434/v1'), 'local-no-key');
      assert.throws(() => apiKeyFor('PALESTRA_TEST_KEY', undefined, 'https://example.com/v1'), {
        code: 'MISSING_API_KEY',
        message: 'no API key: set PALESTRA_TEST_KEY',
      });
      process.env.PALESTRA_TEST_KEY = 'from-env';
      assert.equal(apiKeyFor('PALESTRA_TEST_KEY', undefined, undefined), 'from-env');
    } finally {
      if (saved === undefined) delete process.env.PALESTRA_TEST_KEY;
      else process.env.PALESTRA_TEST_KEY = saved;
    }
    assert.equal(isLocalUrl('http://[::1]:8000/v1'), true);
    assert.equal(isLocalUrl('http://127.0.0.1.example.com/v1'), false);
    assert.equal(isLocalUrl('not a url'), false);
  });

  test('conversations are bounded: the least recently used episode is forgotten first', () => {
    const c = new EpisodeConversations<string>(2);
    c.set(0, 'a');
    c.set(1, 'b');
    c.set(0, 'a2');
    c.set(2, 'c');
    assert.equal(c.size, 2);
    assert.equal(c.get(1), undefined);
    assert.equal(c.get(0), 'a2');
    assert.equal(c.get(2), 'c');
  });
});
