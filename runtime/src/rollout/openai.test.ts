import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { readEpisode, replay } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { type LlmRequest, type ScriptedReply, startLlmServer } from '@palestra/overseer/testing';
import type { TurnRecord } from '../agents/agent.ts';
import { openaiAgent } from '../agents/openai.ts';
import { planGroups } from './plan.ts';
import { rollout } from './rollout.ts';
import { summarizeRollout } from './summary.ts';

// Real OpenAI SDK agents over loopback, against the local OpenAI-wire test server.
const dir = mkdtempSync(join(tmpdir(), 'palestra-rollout-openai-'));
const echo = loadCatalog('echo-target');

/** Says the target word (from the system message), slowly; every 4th request fails with a 500 first. */
function echoModel(request: LlmRequest): ScriptedReply {
  if (request.index % 4 === 3) return { error: { status: 500, message: 'overloaded' } };
  const text = JSON.stringify(request.body.messages);
  const word = /word: (\w+)/.exec(text)?.[1] ?? 'none';
  return { delayMs: 15, toolCalls: [{ name: 'echo', arguments: { word } }] };
}

const llm = await startLlmServer({ script: echoModel });
after(() => llm.close());

test('openai agents: concurrent model calls, endpoint errors retried, token usage summed, episodes replay', async () => {
  const out = join(dir, 'lib');
  const plans = planGroups(echo.spec, { episodes: 12, group: 3, seed: 0, out });
  const result = await rollout(echo, {
    plans,
    agent: () => openaiAgent({ model: 'toy', baseURL: llm.url, maxRetries: 0 }),
    concurrency: 4,
    backoffMs: 1,
  });
  assert.ok(result.episodes.every((e) => e.status === 'complete'));
  assert.ok(result.maxTurnsInFlight > 1, `model calls overlapped (${result.maxTurnsInFlight})`);
  assert.ok(result.episodes.reduce((a, e) => a + e.retries, 0) > 0, 'some calls were retried');
  const s = summarizeRollout(result);
  assert.equal(s.successRate, 1);
  let prompt = 0;
  for (const e of result.episodes) {
    const ep = readEpisode(e.file);
    const turn = ep.steps[0]!.turn as TurnRecord;
    assert.equal(turn.agent, 'openai:toy');
    assert.ok(turn.promptTokenIds && turn.promptTokenIds.length > 0, 'token ids in the turn record');
    prompt += turn.usage!.promptTokens;
    await replay(echo, ep);
  }
  assert.equal(s.tokens.prompt, prompt);
  assert.ok(s.tokens.completion > 0);
});

test('palestra rollout --agent openai:<model> --base-url reaches the endpoint and prices the tokens', async () => {
  const out = join(dir, 'cli');
  const cli = new URL('./testCli.ts', import.meta.url).pathname;
  // Asynchronously: the test server answers from this process's event loop.
  await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'rollout',
      'echo-target',
      '--agent',
      'openai:toy',
      '--base-url',
      llm.url,
      '--episodes',
      '4',
      '--group',
      '2',
      '--price-prompt',
      '1',
      '--price-completion',
      '2',
      '--out',
      out,
    ],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', OPENAI_BASE_URL: '' }, timeout: 60_000 },
  );
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.complete, 4);
  assert.equal(s.successRate, 1);
  assert.ok(s.tokens.prompt > 0);
  assert.ok(Math.abs(s.cost - (s.tokens.prompt * 1 + s.tokens.completion * 2) / 1e6) < 1e-12);
});
