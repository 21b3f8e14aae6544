import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type LlmScript, renderPrompt, startLlmServer } from './llmServer.ts';
import { encode, tokenize, tokenLogprob } from './tokenizer.ts';

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(script: LlmScript) {
  const s = await startLlmServer({ script });
  servers.push(s);
  return s;
}

/** Wire JSON, read loosely: these tests check its shape field by field. */
// biome-ignore lint/suspicious/noExplicitAny: untyped wire JSON, asserted field by field below
type Wire = Record<string, any>;

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Wire };
}

const chat = { model: 'toy', messages: [{ role: 'user', content: 'Hello there' }] };

describe('the test LLM server speaks the providers’ wire formats', () => {
  test('toy tokenizer: pieces join back to the text; ids and logprobs are fixed numbers', () => {
    const text = 'Call the echo tool, with "apple".\n';
    assert.equal(tokenize(text).join(''), text);
    assert.deepEqual(encode(text), encode(text));
    assert.notDeepEqual(encode('apple'), encode('maple'));
    assert.ok(encode(text).every((id) => Number.isInteger(id) && id >= 0 && id < 32_000));
    assert.ok(tokenLogprob(5) < 0 && tokenLogprob(5) > -4.01);
  });

  test('vLLM extras: logprobs.content with bytes and top_logprobs, token_ids, prompt_token_ids', async () => {
    const llm = await start([{ text: 'Hi you' }]);
    const { body } = await post(`${llm.url}/chat/completions`, {
      ...chat,
      logprobs: true,
      top_logprobs: 2,
      return_token_ids: true,
    });
    const choice = body.choices[0];
    assert.deepEqual(choice.token_ids, encode('Hi you'));
    assert.deepEqual(body.prompt_token_ids, encode(renderPrompt('openai', chat)));
    assert.deepEqual(
      choice.logprobs.content.map((t: { token: string }) => t.token),
      ['Hi', ' you'],
    );
    const first = choice.logprobs.content[0];
    assert.deepEqual(first.bytes, [72, 105]);
    assert.equal(first.logprob, tokenLogprob(choice.token_ids[0]));
    assert.equal(first.top_logprobs.length, 2);
    assert.equal(first.top_logprobs[0].token, 'Hi');
    assert.ok(first.top_logprobs[1].logprob < first.logprob);
    assert.equal(body.usage.completion_tokens, 2);
  });

  test('return_tokens_as_token_ids writes tokens as token_id:<id>; without logprobs there are none', async () => {
    const llm = await start([{ text: 'Hi you' }, { text: 'Hi you' }]);
    const a = await post(`${llm.url}/chat/completions`, {
      ...chat,
      logprobs: true,
      return_tokens_as_token_ids: true,
    });
    assert.deepEqual(
      a.body.choices[0].logprobs.content.map((t: { token: string }) => t.token),
      encode('Hi you').map((id) => `token_id:${id}`),
    );
    const b = await post(`${llm.url}/chat/completions`, chat);
    assert.equal(b.body.choices[0].logprobs, null);
    assert.equal(b.body.choices[0].token_ids, undefined);
    assert.equal(b.body.prompt_token_ids, undefined);
  });

  test('tool calls: OpenAI tool_calls with raw arguments; Anthropic tool_use blocks and stop_reason', async () => {
    const reply = {
      toolCalls: [
        { name: 'echo', arguments: '{"word": "ap' },
        { name: 'echo', arguments: { word: 'x' } },
      ],
    };
    const llm = await start([reply, reply]);
    const o = await post(`${llm.url}/chat/completions`, chat);
    assert.equal(o.body.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(
      o.body.choices[0].message.tool_calls.map(
        (c: { function: { arguments: string } }) => c.function.arguments,
      ),
      ['{"word": "ap', '{"word":"x"}'],
    );
    const a = await post(`${llm.anthropicUrl}/v1/messages`, { ...chat, max_tokens: 10, system: 'Be brief.' });
    assert.equal(a.body.stop_reason, 'tool_use');
    assert.deepEqual(
      a.body.content.map((b: { type: string; input: unknown }) => [b.type, b.input]),
      [
        ['tool_use', '{"word": "ap'],
        ['tool_use', { word: 'x' }],
      ],
    );
    assert.equal(llm.requests[1]!.api, 'anthropic');
    assert.equal(llm.requests[1]!.body.system, 'Be brief.');
  });

  test('errors in each provider’s shape with retry-after; malformed bodies; no route; no reply left', async () => {
    const llm = await start([
      { error: { status: 429, retryAfterMs: 1500 } },
      { error: { status: 500 } },
      { malformed: 'not json' },
    ]);
    const rate = await post(`${llm.url}/chat/completions`, chat);
    assert.equal(rate.status, 429);
    assert.equal(rate.headers.get('retry-after'), '2');
    assert.equal(rate.headers.get('retry-after-ms'), '1500');
    assert.equal(rate.body.error.type, 'rate_limit_exceeded');
    const down = await post(`${llm.anthropicUrl}/v1/messages`, chat);
    assert.deepEqual(down.body, {
      type: 'error',
      error: { type: 'api_error', message: 'scripted HTTP 500' },
    });
    const bad = await fetch(`${llm.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
    assert.equal(await bad.text(), 'not json');
    const none = await post(`${llm.url}/chat/completions`, chat);
    assert.equal(none.status, 400);
    assert.match(none.body.error.message, /no reply for request #3/);
    assert.equal((await post(`${llm.url}/embeddings`, chat)).status, 404);
    assert.equal((await post(`${llm.url}/chat/completions`, '{oops')).status, 400);
    assert.equal(llm.requests.length, 4, 'every well-formed request is recorded');
  });
});
