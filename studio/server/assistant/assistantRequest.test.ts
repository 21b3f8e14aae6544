import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { closedPort, type LlmServer, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { AssistantCallError, type ChatEntry, runAssistantTurn } from '../../app/assistant/assistantLoop.ts';
import type { ToolHost } from '../../app/assistant/executeTool.ts';
import { ASSISTANT_TOOLS } from '../../app/assistant/tools.ts';
import type { ChatMessage, ModelReply } from '../../app/assistant/transcript.ts';
import { undoManagerFor } from '../../app/collab/undo.ts';
import { fromSpec } from '../../app/doc/fromSpec.ts';
import { toSpec } from '../../app/doc/toSpec.ts';
import { type AssistantCaller, assistantAction, assistantLoader } from './assistantRequest.ts';
import { AssistantSessions } from './modelSettings.ts';

// The assistant's route against the local LLM wire server, in both wire formats: the model chosen
// per session with a key that is sent to the model and never back to the page, every refusal, each
// kind of endpoint failure with its code and hint, and a whole turn driven through the route by a
// scripted model, its edits made on a document and undone in one step.

// biome-ignore lint/suspicious/noExplicitAny: JSON of a known shape, asserted field by field
type Loose = any;

const KEY = 'sk-assistant-test-5be1c0de77';
const URL_BASE = 'http://127.0.0.1:5199/env/e1/assistant';
const editor: AssistantCaller = {
  session: AssistantSessions.sessionKey('cookie-1'),
  member: { id: 'owner', name: 'owner', role: 'owner' },
  env: { name: 'lake', kind: 'studio' },
};

let llm: LlmServer;
let script: ScriptedReply[] = [];

before(async () => {
  llm = await startLlmServer({ script: () => script.shift() ?? { text: 'done' } });
});
after(() => llm?.close());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  new Request(URL_BASE, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:5199', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function send(
  sessions: AssistantSessions,
  body: unknown,
  caller = editor,
  headers?: Record<string, string>,
) {
  const res = await assistantAction(post(body, headers), caller, sessions);
  return { status: res.status, body: (await res.json()) as Loose };
}

const configure = (
  sessions: AssistantSessions,
  provider: 'openai' | 'anthropic',
  extra: Record<string, unknown> = {},
) =>
  send(sessions, {
    intent: 'configure',
    provider,
    model: 'toy',
    baseUrl: provider === 'openai' ? llm.url : llm.anthropicUrl,
    apiKey: KEY,
    ...extra,
  });

describe('the assistant route', () => {
  it('refuses a stranger, a viewer, a catalog environment, a form post and another site', async () => {
    const sessions = new AssistantSessions();
    const chat = { intent: 'chat', messages: [{ role: 'user', text: 'hi' }] };
    const cases: [AssistantCaller, number][] = [
      [{ ...editor, member: undefined, session: undefined }, 401],
      [{ ...editor, member: { id: 'v', name: 'v', role: 'viewer' } }, 403],
      [{ ...editor, env: { name: 'tally', kind: 'catalog' } }, 403],
      [{ ...editor, env: undefined }, 404],
    ];
    for (const [caller, status] of cases) {
      const res = await send(sessions, chat, caller);
      assert.equal(res.status, status);
      assert.match(res.body.error.code, /^ASSISTANT_(FORBIDDEN|NOT_FOUND)$/);
    }
    assert.equal((await send(sessions, chat, editor, { 'content-type': 'text/plain' })).status, 403);
    assert.equal((await send(sessions, chat, editor, { origin: 'https://elsewhere.example' })).status, 403);
    const viewerGet = assistantLoader(
      { ...editor, member: { id: 'v', name: 'v', role: 'viewer' } },
      sessions,
    );
    assert.equal(viewerGet.status, 200, 'a viewer may see that the assistant is there');
  });

  it('a chat before a model is chosen, and bodies that are not the JSON it takes', async () => {
    const sessions = new AssistantSessions();
    const res = await send(sessions, { intent: 'chat', messages: [{ role: 'user', text: 'hi' }] });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'ASSISTANT_NOT_CONFIGURED');
    assert.match(res.body.error.hint, /choose a provider and a model/);
    assert.equal((await send(sessions, '{nope')).body.error.code, 'STUDIO_BAD_REQUEST');
    const wrong = await send(sessions, { intent: 'chat', messages: [{ role: 'system', text: 'x' }] });
    assert.equal(wrong.status, 400);
    const url = await send(sessions, {
      intent: 'configure',
      provider: 'openai',
      model: 'toy',
      baseUrl: 'file:///etc',
    });
    assert.match(url.body.error.message, /baseUrl: an http\(s\) URL/);
    const huge = await send(sessions, {
      intent: 'chat',
      messages: [{ role: 'user', text: 'x'.repeat(4 * 1024 * 1024) }],
    });
    assert.equal(huge.status, 413);
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    it(`${provider}: the key goes to the model and never back; tools and history in the wire format`, async () => {
      const sessions = new AssistantSessions();
      const configured = await configure(sessions, provider);
      assert.deepEqual(configured.body.settings, {
        provider,
        model: 'toy',
        baseUrl: provider === 'openai' ? llm.url : llm.anthropicUrl,
        hasKey: true,
      });
      const got = await assistantLoader(editor, sessions).text();
      assert.ok(!got.includes(KEY) && got.includes('"hasKey":true'));

      script = [{ toolCalls: [{ name: 'read_environment', arguments: {} }] }];
      const from = llm.requests.length;
      const history: ChatMessage[] = [
        { role: 'user', text: 'first' },
        { role: 'assistant', text: 'ok', toolCalls: [{ id: 'c0', name: 'read_problems', arguments: '{}' }] },
        {
          role: 'tool',
          results: [{ id: 'c0', name: 'read_problems', content: '{"problems":[]}', isError: false }],
        },
        { role: 'user', text: 'why is escalated unreachable?' },
      ];
      const res = await send(sessions, { intent: 'chat', messages: history });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.reply.toolCalls[0].name, 'read_environment');
      assert.equal(JSON.parse(res.body.reply.toolCalls[0].arguments).constructor, Object);
      assert.ok(!JSON.stringify(res.body).includes(KEY));

      const [req] = llm.requests.slice(from);
      assert.equal(req!.api, provider);
      const body = req!.body as Loose;
      if (provider === 'openai') {
        assert.equal(req!.headers.authorization, `Bearer ${KEY}`);
        assert.equal(body.messages[0].role, 'system');
        assert.match(body.messages[0].content, /You help a domain expert design "lake"/);
        assert.deepEqual(
          body.messages.slice(1).map((m: Record<string, unknown>) => m.role),
          ['user', 'assistant', 'tool', 'user'],
        );
        assert.equal(body.messages[3].tool_call_id, 'c0');
        assert.equal(body.tools.length, ASSISTANT_TOOLS.length);
        assert.equal(body.tools[1].function.name, 'add_state');
      } else {
        // The Anthropic SDK sends the key as a bearer token.
        assert.equal(req!.headers.authorization, `Bearer ${KEY}`);
        assert.match(body.system, /design "lake"/);
        // The tool result and the next request share one user message: Anthropic's turns alternate.
        assert.deepEqual(
          body.messages.map((m: { role: string; content: { type: string }[] }) => [
            m.role,
            m.content.map((c) => c.type),
          ]),
          [
            ['user', ['text']],
            ['assistant', ['text', 'tool_use']],
            ['user', ['tool_result', 'text']],
          ],
        );
        assert.equal(body.tools[1].name, 'add_state');
        assert.equal(body.tools[1].input_schema.type, 'object');
      }
    });

    it(`${provider}: a whole turn through the route: the model's calls edit the document, one undo takes them back`, async () => {
      const sessions = new AssistantSessions();
      await configure(sessions, provider);
      const doc = fromSpec(loadCatalog('frozen-lake').spec);
      const host: ToolHost = {
        problems: async () => ({ state: 'pending' }),
        runs: async () => ({}),
        run: async () => ({}),
      };
      script = [
        {
          text: 'Adding it.',
          toolCalls: [
            { name: 'add_state', arguments: { name: 'ask_order_id' } },
            {
              name: 'add_transition',
              arguments: { source: 'ask_order_id', event: 'MOVE', target: 'frozen' },
            },
          ],
        },
        { toolCalls: [{ name: 'add_state', arguments: '{"name": "ask_order_id"}' }] },
        { text: 'Done: ask_order_id leads back to frozen.' },
      ];
      const from = llm.requests.length;
      const entries: ChatEntry[] = [];
      const complete = async (messages: ChatMessage[]): Promise<ModelReply> => {
        const res = await send(sessions, { intent: 'chat', messages });
        if (res.status !== 200) throw new AssistantCallError(res.body.error);
        return res.body.reply;
      };
      const { messages, undoStep } = await runAssistantTurn(
        [],
        'add a state where the agent must ask for the order id',
        {
          doc,
          host,
          complete,
          onEntry: (e) => entries.push(e),
        },
      );
      assert.deepEqual(
        entries.map((e) => (e.kind === 'tool' ? `${e.outcome.call.name}:${e.outcome.ok}` : e.kind)),
        ['user', 'assistant', 'add_state:true', 'add_transition:true', 'add_state:false', 'assistant'],
      );
      const refused = entries[4] as Extract<ChatEntry, { kind: 'tool' }>;
      assert.match(refused.outcome.effect, /already has a child "ask_order_id"/);
      assert.equal(messages.length, 6);
      const machine = toSpec(doc).spec.machine as { states: Record<string, { on?: unknown }> };
      assert.deepEqual(machine.states.ask_order_id?.on, { MOVE: [{ target: 'frozen' }] });

      // The model read each result: the refused call came back to it as an error.
      const third = llm.requests[from + 2]!.body as Loose;
      const results = JSON.stringify(third.messages);
      assert.match(results, /already has a child/);
      if (provider === 'anthropic') assert.match(results, /"is_error":true/);

      assert.equal(undoManagerFor(doc).undoStack.at(-1), undoStep, 'the turn is the last undo step');
      undoManagerFor(doc).undo();
      assert.equal(
        Object.hasOwn((toSpec(doc).spec.machine as { states: object }).states, 'ask_order_id'),
        false,
      );
    });

    it(`${provider}: endpoint failures carry a code, a message and a hint, never the key`, async () => {
      const sessions = new AssistantSessions();
      await configure(sessions, provider);
      const chat = { intent: 'chat', messages: [{ role: 'user', text: 'hi' }] };
      script = [{ error: { status: 401, message: `Incorrect API key provided: ${KEY}` } }];
      const denied = await send(sessions, chat);
      assert.equal(denied.status, 502);
      assert.equal(denied.body.error.code, 'ASSISTANT_MODEL_HTTP_ERROR');
      assert.match(denied.body.error.message, /HTTP 401 .*Incorrect API key provided: \[the key\]/);
      assert.equal(denied.body.error.hint, 'check the API key');
      assert.ok(!JSON.stringify(denied.body).includes(KEY));

      script = [{ malformed: 'this is not json' }];
      const malformed = await send(sessions, chat);
      assert.equal(malformed.body.error.code, 'ASSISTANT_MODEL_BAD_RESPONSE');
      assert.match(malformed.body.error.message, /not JSON/);
      script = [{ malformed: '{"unexpected": true}' }];
      assert.equal((await send(sessions, chat)).body.error.code, 'ASSISTANT_MODEL_BAD_RESPONSE');

      await configure(sessions, provider, { baseUrl: `http://127.0.0.1:${await closedPort()}` });
      const down = await send(sessions, chat);
      assert.equal(down.body.error.code, 'ASSISTANT_MODEL_UNREACHABLE');
      assert.match(down.body.error.hint, /check the base URL/);
    });
  }

  it('a key is kept for the same endpoint only, and is forgotten on request', async () => {
    const sessions = new AssistantSessions();
    await configure(sessions, 'openai');
    await send(sessions, { intent: 'configure', provider: 'openai', model: 'other', baseUrl: llm.url });
    assert.equal(sessions.get(editor.session!)?.apiKey, KEY, 'another model at the same endpoint keeps it');
    await send(sessions, {
      intent: 'configure',
      provider: 'openai',
      model: 'other',
      baseUrl: 'https://example.invalid/v1',
    });
    assert.equal(sessions.get(editor.session!)?.apiKey, undefined, 'never sent to another endpoint');
    const fromEnv = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const noKey = await send(sessions, { intent: 'chat', messages: [{ role: 'user', text: 'hi' }] });
      assert.equal(noKey.body.error.code, 'ASSISTANT_NO_KEY');
    } finally {
      if (fromEnv !== undefined) process.env.OPENAI_API_KEY = fromEnv;
    }
    await send(sessions, { intent: 'forget' });
    assert.equal(sessions.view(editor.session!), null);
    let now = 0;
    const idle = new AssistantSessions(() => now);
    idle.set('s', { provider: 'openai', model: 'm', baseUrl: '' }, KEY);
    now = 9 * 3600 * 1000;
    assert.equal(idle.get('s'), undefined, 'forgotten after hours idle');
  });
});
