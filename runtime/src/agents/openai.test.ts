import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Action, makeEnv, PalestraError, readEpisode, type ToolSpec } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { encode, type LlmRequest, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { runEpisodes } from '../run/runEpisodes.ts';
import type { TurnInput } from './agent.ts';
import { openaiAgent, requestSeed } from './openai.ts';

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
  { name: 'wait', description: 'Do nothing.', parameters: { type: 'object' }, event: 'WAIT' },
];

function input(step: number, text: string, extra: Partial<TurnInput> = {}): TurnInput {
  return {
    observation: { text, json: {} },
    tools,
    episode: { seed: 1, taskIndex: 0, taskId: 'apple', instructions: 'Say apple.', state: ['waiting'] },
    step,
    episodeIndex: 0,
    ...extra,
  };
}

describe('openaiAgent against a local OpenAI-compatible server (real SDK)', () => {
  test('a text reply is the action { text }; the request carries the system prompt, observation and tools', async () => {
    const llm = await server([{ text: 'hello there' }]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, temperature: 0, maxTokens: 64 });
    const { actions, turn } = await agent.turn(input(0, 'You see a door.'));
    assert.deepEqual(actions, [{ text: 'hello there' }]);
    assert.equal(turn?.completion.text, 'hello there');
    assert.equal(turn?.finishReason, 'stop');
    assert.equal(turn?.policy, 'toy');
    const body = llm.requests[0]!.body;
    const messages = body.messages as { role: string; content: string }[];
    assert.equal(messages[0]!.role, 'system');
    assert.match(messages[0]!.content, /Task: Say apple\./);
    assert.deepEqual(messages[1], { role: 'user', content: 'You see a door.' });
    assert.deepEqual((body.tools as unknown[])[0], {
      type: 'function',
      function: { name: 'echo', description: 'Say one word back.', parameters: tools[0]!.parameters },
    });
    assert.equal(body.tool_choice, 'auto');
    assert.equal(body.temperature, 0);
    assert.equal(body.max_tokens, 64);
  });

  test('seedRequests: each request carries a seed from the agent seed of its episode and the turn; without it, none', async () => {
    const llm = await server([{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }]);
    const seeded = openaiAgent({ model: 'toy', baseURL: llm.url, seedRequests: true });
    seeded.startEpisode?.(0, 7);
    seeded.startEpisode?.(1, 8);
    await seeded.turn(input(0, 'x'));
    await seeded.turn(input(1, 'y'));
    await seeded.turn(input(0, 'z', { episodeIndex: 1 }));
    const seeds = llm.requests.map((r) => r.body.seed);
    assert.deepEqual(seeds, [requestSeed(7, 0), requestSeed(7, 1), requestSeed(8, 0)]);
    assert.equal(new Set(seeds).size, 3);
    for (const s of seeds) assert.ok(Number.isInteger(s) && (s as number) >= 0 && (s as number) < 2 ** 31);
    await openaiAgent({ model: 'toy', baseURL: llm.url }).turn(input(0, 'x'));
    assert.equal(llm.requests[3]!.body.seed, undefined);
  });

  test('one tool call → one action; its result goes back as a tool message with the next observation', async () => {
    const llm = await server([
      { toolCalls: [{ name: 'echo', arguments: { word: 'apple' } }] },
      { text: 'done' },
    ]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const first = await agent.turn(input(0, 'Say apple.'));
    assert.deepEqual(first.actions, [{ tool: 'echo', arguments: { word: 'apple' } }]);
    assert.equal(first.turn?.finishReason, 'tool_calls');
    assert.deepEqual(first.turn?.completion.toolCalls, [
      { id: 'call_0_0', name: 'echo', arguments: '{"word":"apple"}' },
    ]);
    await agent.turn(input(1, 'You said: apple'));
    const messages = llm.requests[1]!.body.messages as Record<string, unknown>[];
    assert.equal(messages.length, 4);
    assert.equal(messages[2]!.role, 'assistant');
    assert.deepEqual(messages[2]!.tool_calls, [
      { id: 'call_0_0', type: 'function', function: { name: 'echo', arguments: '{"word":"apple"}' } },
    ]);
    assert.deepEqual(messages[3], { role: 'tool', tool_call_id: 'call_0_0', content: 'You said: apple' });
  });

  test('several tool calls → several actions in order, each answered by a tool message', async () => {
    const llm = await server([
      {
        toolCalls: [
          { name: 'wait', arguments: {} },
          { name: 'echo', arguments: { word: 'one' } },
          { name: 'echo', arguments: { word: 'two' } },
        ],
      },
      { text: 'ok' },
    ]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const { actions } = await agent.turn(input(0, 'Go.'));
    assert.deepEqual(actions, [
      { tool: 'wait', arguments: {} },
      { tool: 'echo', arguments: { word: 'one' } },
      { tool: 'echo', arguments: { word: 'two' } },
    ]);
    await agent.turn(input(3, 'after three'));
    const tail = (llm.requests[1]!.body.messages as Record<string, unknown>[]).slice(-3);
    assert.deepEqual(
      tail.map((m) => [m.role, m.tool_call_id]),
      [
        ['tool', 'call_0_0'],
        ['tool', 'call_0_1'],
        ['tool', 'call_0_2'],
      ],
    );
    assert.equal(tail[2]!.content, 'after three');
  });

  test('malformed tool-call JSON → an action the kernel reports as invalid; the raw string is kept', async () => {
    const llm = await server([{ toolCalls: [{ name: 'lookup_order', arguments: '{"orderId": "A1' }] }]);
    const env = await makeEnv(loadCatalog('refund-desk'));
    const reset = env.reset({ seed: 3 });
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const { actions, turn } = await agent.turn({
      observation: reset.observation,
      tools: loadCatalog('refund-desk').spec.tools,
      episode: reset.info,
      step: 0,
      episodeIndex: 0,
    });
    assert.equal(actions.length, 1);
    assert.deepEqual(actions[0], { tool: 'lookup_order', arguments: '{"orderId": "A1' } as unknown as Action);
    assert.equal(turn?.completion.toolCalls[0]?.arguments, '{"orderId": "A1');
    const r = env.step(actions[0]!);
    assert.equal(r.info.invalidAction?.code, 'INVALID_ARGUMENTS');
    assert.match(r.observation.text, /^Error: /);
    env.close();
  });

  test('an unknown tool name is passed through and rejected by the kernel as UNKNOWN_TOOL', async () => {
    const llm = await server([{ toolCalls: [{ name: 'hack_the_db', arguments: {} }] }]);
    const env = await makeEnv(loadCatalog('refund-desk'));
    const reset = env.reset({ seed: 3 });
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const { actions } = await agent.turn({
      observation: reset.observation,
      tools: loadCatalog('refund-desk').spec.tools,
      episode: reset.info,
      step: 0,
      episodeIndex: 0,
    });
    assert.equal(env.step(actions[0]!).info.invalidAction?.code, 'UNKNOWN_TOOL');
    env.close();
  });

  test('429 with retry-after, then success: the SDK retries and the turn succeeds', async () => {
    const llm = await server([
      { error: { status: 429, message: 'slow down', retryAfterMs: 20 } },
      { text: 'fine' },
    ]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 2 });
    const { actions } = await agent.turn(input(0, 'hi'));
    assert.deepEqual(actions, [{ text: 'fine' }]);
    assert.equal(llm.requests.length, 2);
    assert.deepEqual(llm.requests[0]!.body, llm.requests[1]!.body);
  });

  test('500 on every attempt exhausts the retries → POLICY_HTTP_ERROR naming the status and attempts', async () => {
    const llm = await server(() => ({ error: { status: 500, message: 'boom' } }));
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 2 });
    await assert.rejects(
      async () => agent.turn(input(0, 'hi')),
      (e: unknown) => {
        assert.ok(e instanceof PalestraError);
        assert.equal(e.code, 'POLICY_HTTP_ERROR');
        assert.match(e.message, /HTTP 500 .* after 3 attempts: .*boom/);
        assert.equal(e.details.status, 500);
        return true;
      },
    );
    assert.equal(llm.requests.length, 3);
  });

  test('400 is not retried (no fallback when logprobs were asked for)', async () => {
    const llm = await server(() => ({ error: { status: 400, message: 'bad tools' } }));
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 3, logprobs: true });
    await assert.rejects(async () => agent.turn(input(0, 'hi')), { code: 'POLICY_HTTP_ERROR' });
    assert.equal(llm.requests.length, 1);
  });

  test('a slow reply past the timeout → POLICY_TIMEOUT', async () => {
    const llm = await server(() => ({ text: 'late', delayMs: 5_000 }));
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, timeoutMs: 100, maxRetries: 1 });
    await assert.rejects(async () => agent.turn(input(0, 'hi')), { code: 'POLICY_TIMEOUT' });
    assert.equal(llm.requests.length, 2, 'a timeout is retried like a 5xx');
  });

  test('the signal cancels an in-flight call → POLICY_ABORTED', async () => {
    const controller = new AbortController();
    const llm = await server((r) => {
      if (r.index === 0) setImmediate(() => controller.abort());
      return { text: 'late', delayMs: 5_000 };
    });
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    await assert.rejects(async () => agent.turn(input(0, 'hi', { signal: controller.signal })), {
      code: 'POLICY_ABORTED',
    });
  });

  test('a body that is not JSON, or JSON of the wrong shape → POLICY_BAD_RESPONSE', async () => {
    const llm = await server([{ malformed: '{"choices": [' }, { malformed: '{"choices": []}' }]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 0 });
    await assert.rejects(async () => agent.turn(input(0, 'hi')), { code: 'POLICY_BAD_RESPONSE' });
    await assert.rejects(
      async () => agent.turn(input(0, 'hi')),
      (e: PalestraError) => {
        assert.equal(e.code, 'POLICY_BAD_RESPONSE');
        assert.match(e.message, /choices: no choices/);
        return true;
      },
    );
  });

  test('token ids and logprobs from the vLLM fields land in the turn record', async () => {
    const llm = await server([
      { toolCalls: [{ name: 'echo', arguments: { word: 'apple' } }], model: 'toy@step3' },
    ]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, topLogprobs: 2 });
    const { turn } = await agent.turn(input(0, 'Say apple.'));
    const body = llm.requests[0]!.body;
    assert.equal(body.logprobs, true);
    assert.equal(body.return_token_ids, true);
    assert.equal(body.return_tokens_as_token_ids, true);
    assert.equal(body.top_logprobs, 2);
    assert.equal(turn?.policy, 'toy@step3');
    const completion = encode('<tool_call>\n{"name": "echo", "arguments": {"word":"apple"}}\n</tool_call>');
    assert.deepEqual(turn?.completionTokenIds, completion);
    assert.equal(turn?.logprobs?.length, completion.length);
    assert.ok(turn?.logprobs?.every((l) => l < 0 && Number.isFinite(l)));
    assert.ok(turn!.promptTokenIds!.length > 10);
    assert.deepEqual(turn?.usage, {
      promptTokens: turn!.promptTokenIds!.length,
      completionTokens: completion.length,
    });
    assert.ok(turn!.latencyMs >= 0);
  });

  test('without token_ids in the answer, ids are read from `token_id:<id>` tokens', async () => {
    const llm = await server([{ text: 'just words', tokenIds: false }]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const { turn } = await agent.turn(input(0, 'hi'));
    assert.deepEqual(turn?.completionTokenIds, encode('just words'));
    assert.equal(turn?.promptTokenIds, null);
    assert.equal(turn?.logprobs?.length, 2);
  });

  test('with logprobs off no vLLM field is sent and the record holds nulls', async () => {
    const llm = await server([{ text: 'x' }]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, logprobs: false });
    const { turn } = await agent.turn(input(0, 'hi'));
    for (const field of ['logprobs', 'return_token_ids', 'return_tokens_as_token_ids'])
      assert.equal(llm.requests[0]!.body[field], undefined, field);
    assert.equal(turn?.promptTokenIds, null);
    assert.equal(turn?.completionTokenIds, null);
    assert.equal(turn?.logprobs, null);
  });

  test('an endpoint that refuses the vLLM fields (400) is asked again without them, once and for good', async () => {
    const llm = await server((r) =>
      r.body.logprobs === undefined
        ? { text: 'ok' }
        : { error: { status: 400, message: 'logprobs not supported' } },
    );
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const { turn } = await agent.turn(input(0, 'hi'));
    assert.equal(turn?.logprobs, null);
    await agent.turn(input(1, 'again'));
    assert.deepEqual(
      llm.requests.map((r) => r.body.logprobs),
      [true, undefined, undefined],
    );
    // Asked for explicitly, the fields are not dropped: the 400 is the answer.
    const strict = openaiAgent({ model: 'toy', baseURL: llm.url, logprobs: true });
    await assert.rejects(async () => strict.turn(input(0, 'hi')), { code: 'POLICY_HTTP_ERROR' });
  });

  test('a failed turn leaves the conversation as it was, so the same turn can be asked again', async () => {
    const llm = await server([
      { toolCalls: [{ name: 'wait', arguments: {} }] },
      { error: { status: 503, message: 'down' } },
      { text: 'back' },
    ]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 0 });
    await agent.turn(input(0, 'first'));
    await assert.rejects(async () => agent.turn(input(1, 'second')), { code: 'POLICY_HTTP_ERROR' });
    await agent.turn(input(1, 'second'));
    assert.deepEqual(llm.requests[2]!.body.messages, llm.requests[1]!.body.messages);
    assert.equal((llm.requests[2]!.body.messages as unknown[]).length, 4);
  });

  test('one agent keeps a separate conversation per episode index (episodes in parallel)', async () => {
    const llm = await server(() => ({ text: 'ok' }));
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    await Promise.all([
      agent.turn(input(0, 'A0', { episodeIndex: 0 })),
      agent.turn(input(0, 'B0', { episodeIndex: 1 })),
    ]);
    await agent.turn(input(1, 'B1', { episodeIndex: 1 }));
    const last = (llm.requests[2]!.body.messages as { content: string }[]).map((m) => m.content).slice(1);
    assert.deepEqual(last, ['B0', 'ok', 'B1']);
  });

  test('a lenient server: a tool call with no id and object arguments still becomes an action', async () => {
    const body = {
      model: 'toy',
      choices: [
        {
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ type: 'function', function: { name: 'echo', arguments: { word: 'apple' } } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
    };
    const llm = await server([{ malformed: JSON.stringify(body) }]);
    const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
    const { actions, turn } = await agent.turn(input(0, 'Say apple.'));
    assert.deepEqual(actions, [{ tool: 'echo', arguments: { word: 'apple' } }]);
    assert.deepEqual(turn?.completion.toolCalls, [
      { id: 'call_0_0', name: 'echo', arguments: '{"word":"apple"}' },
    ]);
    assert.equal(turn?.usage, null);
    assert.equal(turn?.promptTokenIds, null);
  });

  test('a missing key is a clear error naming OPENAI_API_KEY, except for a local base URL', () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      assert.throws(() => openaiAgent({ model: 'gpt-4o-mini', baseURL: 'https://api.openai.com/v1' }), {
        code: 'MISSING_API_KEY',
        message: /OPENAI_API_KEY/,
      });
      assert.ok(openaiAgent({ model: 'toy', baseURL: 'http://localhost:8000/v1' }));
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  test('a full echo-target run: the episode file’s first step carries the turn record', async () => {
    const llm = await server((r) => {
      const system = (r.body.messages as { content: string }[])[0]!.content;
      const word = /the word: (\w+)/.exec(system)?.[1] ?? 'nothing';
      return { toolCalls: [{ name: 'echo', arguments: { word } }] };
    });
    const out = mkdtempSync(join(tmpdir(), 'palestra-openai-'));
    const summary = await runEpisodes(
      loadCatalog('echo-target'),
      openaiAgent({ model: 'toy', baseURL: llm.url }),
      {
        episodes: 3,
        seed: 5,
        out,
      },
    );
    assert.equal(summary.agent, 'openai:toy');
    assert.deepEqual(
      summary.episodes.map((e) => [e.terminated, e.returnMicros]),
      [
        [true, 1_000_000],
        [true, 1_000_000],
        [true, 1_000_000],
      ],
    );
    const ep = readEpisode(join(out, 'episode-000000.jsonl'));
    assert.equal(ep.complete, true);
    const turn = ep.steps[0]!.turn as Record<string, unknown>;
    assert.equal(turn.agent, 'openai:toy');
    assert.equal(turn.policy, 'toy');
    assert.ok(Array.isArray(turn.promptTokenIds) && turn.promptTokenIds.length > 0);
    assert.ok(Array.isArray(turn.completionTokenIds) && turn.completionTokenIds.length > 0);
    assert.equal((turn.logprobs as number[]).length, (turn.completionTokenIds as number[]).length);
    assert.deepEqual(ep.steps[0]!.action, { tool: 'echo', arguments: { word: ep.header.taskId } });
  });
});
