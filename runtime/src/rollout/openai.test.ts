import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { readEpisode, replay } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { type LlmRequest, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { TEST_CLI } from '@palestra/testing/runtime';
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
  // The whole body: Anthropic's Messages API carries the instructions in `system`.
  const text = JSON.stringify(request.body);
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

/** `palestra rollout …` in a child process, asynchronously: the test server answers from this process's event loop. */
async function rolloutCli(args: string[], env: Record<string, string>) {
  const cli = TEST_CLI;
  await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'rollout', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
}

test('palestra rollout --agent openai:<model> --base-url reaches the endpoint and prices the tokens', async () => {
  const out = join(dir, 'cli');
  await rolloutCli(
    [
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
    { OPENAI_BASE_URL: '' },
  );
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.complete, 4);
  assert.equal(s.successRate, 1);
  assert.ok(s.tokens.prompt > 0);
  assert.ok(Math.abs(s.cost - (s.tokens.prompt * 1 + s.tokens.completion * 2) / 1e6) < 1e-12);
});

test('palestra rollout --agent anthropic:<model> --base-url points the Anthropic SDK at the endpoint', async () => {
  const out = join(dir, 'cli-anthropic');
  const before = llm.requests.length;
  await rolloutCli(
    [
      'echo-target',
      '--agent',
      'anthropic:toy',
      '--base-url',
      llm.anthropicUrl,
      '--episodes',
      '3',
      '--out',
      out,
    ],
    { ANTHROPIC_API_KEY: 'local', ANTHROPIC_BASE_URL: '', OPENAI_BASE_URL: '' },
  );
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.complete, 3);
  assert.equal(s.successRate, 1);
  const mine = llm.requests.slice(before);
  assert.ok(mine.length >= 3 && mine.every((r) => r.api === 'anthropic'));
});
