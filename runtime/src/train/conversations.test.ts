import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { startLlmServer } from '@palestra/testing/llm';
import type { TurnRecord } from '../agents/agent.ts';
import { openaiAgent } from '../agents/openai.ts';
import { scriptedAgent } from '../agents/scripted.ts';
import { runEpisodes } from '../run/runEpisodes.ts';
import { episodeConversation } from './conversations.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-sft-chat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('episodeConversation', () => {
  it('is the chat the openai agent has when it plays the same actions (so SFT clones what rollouts show)', async () => {
    const source = loadCatalog('refund-desk');
    const actions = [
      { text: 'Let me look into this.' },
      { tool: 'lookup_order', arguments: { orderId: 'A-0000' } },
      { tool: 'escalate', arguments: { reason: 'over the desk limit' } },
    ];
    const script = join(dir, 'script.json');
    writeFileSync(script, JSON.stringify(actions));
    const scripted = await runEpisodes(source, scriptedAgent(script), {
      episodes: 1,
      seed: 5,
      out: join(dir, 'scripted'),
    });
    const llm = await startLlmServer({
      script: [
        { text: 'Let me look into this.' },
        { toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A-0000' } }] },
        { toolCalls: [{ name: 'escalate', arguments: { reason: 'over the desk limit' } }] },
      ],
    });
    try {
      const played = await runEpisodes(
        source,
        openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 0 }),
        { episodes: 1, seed: 5, out: join(dir, 'openai') },
      );
      const ep = readEpisode(played.episodes[0]!.file);
      assert.equal(ep.steps.length, 3);
      const last = ep.steps.at(-1)!.turn as TurnRecord;
      const chat = episodeConversation(readEpisode(scripted.episodes[0]!.file), source.spec.tools);
      // What the model saw at its last turn, then what it said: the ids are the server's, so they are compared by position.
      const strip = (m: unknown) => JSON.parse(JSON.stringify(m).replace(/call_\d+_\d+/g, 'call'));
      assert.deepEqual(strip(chat.messages.slice(0, -1)), strip(last.messages));
      assert.deepEqual(strip(chat.messages.at(-1)), {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call',
            type: 'function',
            function: { name: 'escalate', arguments: JSON.stringify({ reason: 'over the desk limit' }) },
          },
        ],
      });
      assert.deepEqual(
        chat.tools.map((t) => t.function.name),
        source.spec.tools.map((t) => t.name),
      );
    } finally {
      await llm.close();
    }
  });

  it('keeps a model turn with several tool calls as one assistant message followed by one result per call', async () => {
    const source = loadCatalog('refund-desk');
    const llm = await startLlmServer({
      script: [
        {
          toolCalls: [
            { name: 'reply', arguments: { message: 'Checking.' } },
            { name: 'lookup_order', arguments: { orderId: 'A-0000' } },
          ],
        },
        { toolCalls: [{ name: 'escalate', arguments: { reason: 'over the desk limit' } }] },
      ],
    });
    try {
      const played = await runEpisodes(
        source,
        openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 0 }),
        { episodes: 1, seed: 3, out: join(dir, 'multi') },
      );
      const ep = readEpisode(played.episodes[0]!.file);
      const chat = episodeConversation(ep, source.spec.tools);
      assert.deepEqual(
        chat.messages.map((m) => m.role),
        ['system', 'user', 'assistant', 'tool', 'tool', 'assistant'],
      );
      const last = ep.steps.at(-1)!.turn as TurnRecord;
      assert.deepEqual(chat.messages.slice(0, -1), last.messages);
    } finally {
      await llm.close();
    }
  });
});
