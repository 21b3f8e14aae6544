import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { fromSpec } from '../doc/fromSpec.ts';
import { toSpec } from '../doc/toSpec.ts';
import { AssistantCallError, type ChatEntry, runAssistantTurn } from './assistantLoop.ts';
import type { ToolHost } from './executeTool.ts';
import type { ChatMessage, ModelReply } from './transcript.ts';

// The turn's own rules, with the model's answers given in order (the route and the wire formats
// are tested against the local LLM server in server/assistant): a stopped turn leaves every tool
// call answered, a turn ends after its round budget, and failures become chat entries.

const host: ToolHost = {
  problems: async () => ({ state: 'pending' }),
  runs: async () => ({}),
  run: async () => ({}),
};
const call = (id: string, name: string, args: unknown) => ({ id, name, arguments: JSON.stringify(args) });

function answers(replies: ModelReply[], onCall?: (messages: ChatMessage[]) => void) {
  return async (messages: ChatMessage[]) => {
    onCall?.(messages);
    const next = replies.shift();
    if (!next) throw new Error('no more replies');
    return next;
  };
}

describe('an assistant turn', () => {
  it('stopped during a reply: the calls left are answered "not run", none runs', async () => {
    const doc = fromSpec(loadCatalog('frozen-lake').spec);
    const stop = new AbortController();
    const entries: ChatEntry[] = [];
    const { messages } = await runAssistantTurn([], 'add two states', {
      doc,
      host,
      complete: answers([
        {
          text: null,
          toolCalls: [call('a', 'add_state', { name: 'one' }), call('b', 'add_state', { name: 'two' })],
        },
      ]),
      onEntry: (e) => {
        entries.push(e);
        if (e.kind === 'tool') stop.abort();
      },
      signal: stop.signal,
    });
    const states = Object.keys((toSpec(doc).spec.machine as { states: object }).states);
    assert.ok(states.includes('one') && !states.includes('two'));
    const last = messages.at(-1);
    assert.equal(last?.role, 'tool');
    const results = (last as Extract<ChatMessage, { role: 'tool' }>).results;
    assert.deepEqual(
      results.map((r) => [r.id, r.isError]),
      [
        ['a', false],
        ['b', true],
      ],
    );
    assert.equal(results[1]!.content, '{"error":"stopped by the member"}');
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['user', 'tool', 'tool', 'note'],
    );
  });

  it('ends after its round budget, and says so', async () => {
    const doc = fromSpec(loadCatalog('frozen-lake').spec);
    const entries: ChatEntry[] = [];
    const replies = Array.from({ length: 5 }, (_, i) => ({
      text: null,
      toolCalls: [call(`c${i}`, 'read_environment', {})],
    }));
    const { messages } = await runAssistantTurn([], 'loop', {
      doc,
      host,
      complete: answers(replies),
      onEntry: (e) => entries.push(e),
      maxRounds: 3,
    });
    assert.equal(messages.length, 1 + 3 * 2);
    assert.match((entries.at(-1) as { text: string }).text, /Stopped after 3 model calls/);
  });

  it('a failed model call is an error entry with its code; the conversation keeps the request', async () => {
    const doc = fromSpec(loadCatalog('frozen-lake').spec);
    const entries: ChatEntry[] = [];
    const view = { code: 'ASSISTANT_MODEL_HTTP_ERROR', message: 'HTTP 401', hint: 'check the API key' };
    const { messages, undoStep } = await runAssistantTurn([], 'hi', {
      doc,
      host,
      complete: async () => {
        throw new AssistantCallError(view);
      },
      onEntry: (e) => entries.push(e),
    });
    assert.deepEqual(entries.at(-1), { kind: 'error', error: view });
    assert.deepEqual(messages, [{ role: 'user', text: 'hi' }]);
    assert.equal(undoStep, undefined, 'nothing changed, nothing to undo');
    await runAssistantTurn(messages, 'again', {
      doc,
      host,
      complete: async () => {
        throw new TypeError('fetch failed');
      },
      onEntry: (e) => entries.push(e),
    });
    assert.equal((entries.at(-1) as { error: { code: string } }).error.code, 'ASSISTANT_STUDIO_UNREACHABLE');
  });
});
