import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { makeEnv, PalestraError, type ToolSpec } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { type LlmRequest, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import type { TurnInput } from './agent.ts';
import { anthropicAgent } from './anthropic.ts';

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function server(script: ScriptedReply[] | ((r: LlmRequest) => ScriptedReply)) {
  const s = await startLlmServer({ script });
  servers.push(s);
  return s;
}

const tools: ToolSpec[] = [
  {
    name: 'echo',
    description: 'Say one word back.',
    parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
    event: 'ECHO',
  },
];

function input(step: number, text: string): TurnInput {
  return {
    observation: { text, json: {} },
    tools,
    episode: { seed: 1, taskIndex: 0, taskId: 'apple', instructions: 'Say apple.', state: ['waiting'] },
    step,
    episodeIndex: 0,
  };
}

describe('anthropicAgent against a local Messages server (real SDK)', () => {
  test('tool_use blocks → actions in order; tool_result blocks carry the next observation', async () => {
    const llm = await server([
      {
        text: 'Let me answer.',
        toolCalls: [
          { name: 'echo', arguments: { word: 'one' } },
          { name: 'echo', arguments: { word: 'apple' } },
        ],
        model: 'claude-toy-1',
      },
      { text: 'All done.' },
    ]);
    const agent = anthropicAgent({ model: 'claude-toy', baseURL: llm.anthropicUrl, maxTokens: 256 });
    const first = await agent.turn(input(0, 'Say apple.'));
    assert.deepEqual(first.actions, [
      { tool: 'echo', arguments: { word: 'one' } },
      { tool: 'echo', arguments: { word: 'apple' } },
    ]);
    const turn = first.turn!;
    assert.equal(turn.agent, 'anthropic:claude-toy');
    assert.equal(turn.policy, 'claude-toy-1');
    assert.equal(turn.finishReason, 'tool_use');
    assert.equal(turn.completion.text, 'Let me answer.');
    assert.deepEqual(turn.completion.toolCalls, [
      { id: 'toolu_0_0', name: 'echo', arguments: '{"word":"one"}' },
      { id: 'toolu_0_1', name: 'echo', arguments: '{"word":"apple"}' },
    ]);
    assert.equal(turn.promptTokenIds, null);
    assert.equal(turn.completionTokenIds, null);
    assert.equal(turn.logprobs, null);
    assert.ok(turn.usage && turn.usage.promptTokens > 0 && turn.usage.completionTokens > 0);
    assert.deepEqual(turn.messages[0], { role: 'system', content: llm.requests[0]!.body.system });

    const body = llm.requests[0]!.body;
    assert.equal(body.max_tokens, 256);
    assert.match(String(body.system), /Task: Say apple\./);
    assert.deepEqual(body.tools, [
      { name: 'echo', description: 'Say one word back.', input_schema: tools[0]!.parameters },
    ]);
    assert.equal(llm.requests[0]!.path, '/v1/messages');

    const second = await agent.turn(input(2, 'You said: apple'));
    assert.deepEqual(second.actions, [{ text: 'All done.' }]);
    assert.equal(second.turn?.finishReason, 'end_turn');
    const messages = llm.requests[1]!.body.messages as { role: string; content: unknown }[];
    assert.equal(messages.length, 3);
    assert.equal(messages[1]!.role, 'assistant');
    assert.deepEqual(
      (messages[1]!.content as { type: string }[]).map((b) => b.type),
      ['text', 'tool_use', 'tool_use'],
    );
    const results = messages[2]!.content as { type: string; tool_use_id: string; content: string }[];
    assert.deepEqual(
      results.map((r) => [r.type, r.tool_use_id]),
      [
        ['tool_result', 'toolu_0_0'],
        ['tool_result', 'toolu_0_1'],
      ],
    );
    assert.equal(results[1]!.content, 'You said: apple');
  });

  test('a text reply is answered by a plain user message next turn', async () => {
    const llm = await server([{ text: 'thinking' }, { text: 'still thinking' }]);
    const agent = anthropicAgent({ model: 'claude-toy', baseURL: llm.anthropicUrl });
    await agent.turn(input(0, 'Say apple.'));
    await agent.turn(input(1, 'Nothing happened.'));
    const messages = llm.requests[1]!.body.messages as { role: string; content: unknown }[];
    assert.deepEqual(messages.at(-1), { role: 'user', content: 'Nothing happened.' });
  });

  test('a tool_use whose input is not an object → an action the kernel reports as invalid', async () => {
    const llm = await server([{ toolCalls: [{ name: 'lookup_order', arguments: '["A1"' }] }]);
    const source = loadCatalog('refund-desk');
    const env = await makeEnv(source);
    const reset = env.reset({ seed: 2 });
    const agent = anthropicAgent({ model: 'claude-toy', baseURL: llm.anthropicUrl });
    const { actions } = await agent.turn({
      observation: reset.observation,
      tools: source.spec.tools,
      episode: reset.info,
      step: 0,
      episodeIndex: 0,
    });
    assert.equal(env.step(actions[0]!).info.invalidAction?.code, 'INVALID_ARGUMENTS');
    env.close();
  });

  test('529 overloaded then success is retried; 500 on every attempt is a clear error', async () => {
    const llm = await server([{ error: { status: 529, message: 'Overloaded' } }, { text: 'ok' }]);
    const agent = anthropicAgent({ model: 'claude-toy', baseURL: llm.anthropicUrl });
    assert.deepEqual((await agent.turn(input(0, 'hi'))).actions, [{ text: 'ok' }]);
    assert.equal(llm.requests.length, 2);

    const failing = await server(() => ({ error: { status: 500, message: 'internal' } }));
    const agent2 = anthropicAgent({ model: 'claude-toy', baseURL: failing.anthropicUrl, maxRetries: 1 });
    await assert.rejects(
      async () => agent2.turn(input(0, 'hi')),
      (e: unknown) => {
        assert.ok(e instanceof PalestraError);
        assert.equal(e.code, 'POLICY_HTTP_ERROR');
        assert.match(e.message, /HTTP 500 .*after 2 attempts/);
        return true;
      },
    );
    assert.equal(failing.requests.length, 2);
  });

  test('a slow reply past the timeout → POLICY_TIMEOUT; an answer of the wrong shape → POLICY_BAD_RESPONSE', async () => {
    const slow = await server(() => ({ text: 'late', delayMs: 5_000 }));
    const agent = anthropicAgent({
      model: 'claude-toy',
      baseURL: slow.anthropicUrl,
      timeoutMs: 100,
      maxRetries: 0,
    });
    await assert.rejects(async () => agent.turn(input(0, 'hi')), { code: 'POLICY_TIMEOUT' });
    const odd = await server([{ malformed: '{"type": "message", "content": "not blocks"}' }]);
    const agent2 = anthropicAgent({ model: 'claude-toy', baseURL: odd.anthropicUrl });
    await assert.rejects(async () => agent2.turn(input(0, 'hi')), { code: 'POLICY_BAD_RESPONSE' });
  });

  test('a missing key names ANTHROPIC_API_KEY unless the base URL is local', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      assert.throws(() => anthropicAgent({ model: 'claude-toy', baseURL: 'https://api.anthropic.com' }), {
        code: 'MISSING_API_KEY',
        message: /ANTHROPIC_API_KEY/,
      });
      assert.ok(anthropicAgent({ model: 'claude-toy', baseURL: 'http://127.0.0.1:9' }));
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
