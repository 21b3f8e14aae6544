import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { goldenFiles, PalestraError, readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import { closedPort, type LlmServer, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { type JudgeConfig, LlmJudge } from './judge.ts';
import { JudgeRequestError } from './judgeError.ts';

const episode = readEpisode(goldenFiles(join(CATALOG_DIR, 'refund-desk'))[0]!);

const base = { model: 'judge-1', rubric: 'r', samples: 1, maxRetries: 0 } as const;

async function failure(config: JudgeConfig): Promise<JudgeRequestError> {
  try {
    await new LlmJudge(config).scoreEpisode(episode);
  } catch (e) {
    assert.ok(e instanceof JudgeRequestError, `a typed error, not ${(e as Error).constructor.name}: ${e}`);
    assert.ok(e instanceof PalestraError);
    return e;
  }
  assert.fail('the judge call should have failed');
}

describe('a judge that cannot be reached is a typed error naming the URL and model', () => {
  for (const provider of ['openai', 'anthropic'] as const)
    test(`${provider}: a closed port is JUDGE_UNREACHABLE, fatal, with the hint to check baseURL`, async () => {
      const url = `http://127.0.0.1:${await closedPort()}${provider === 'openai' ? '/v1' : ''}`;
      const e = await failure({ ...base, provider, baseURL: url });
      assert.equal(e.code, 'JUDGE_UNREACHABLE');
      assert.equal(e.fatal, true);
      assert.ok(e.message.includes(url), e.message);
      assert.match(e.message, /judge-1/);
      assert.match(e.message, /ECONNREFUSED/, 'the root cause, not only "Connection error."');
      assert.match(e.hint ?? '', /baseURL/);
      assert.equal(e.details.url, url);
      assert.ok(e.cause instanceof Error, 'the SDK error stays as the cause, for --debug');
    });
});

describe('HTTP failures of a judge (local wire server)', () => {
  let llm: LlmServer;
  let reply: ScriptedReply;
  before(async () => {
    llm = await startLlmServer({ script: () => reply });
  });
  after(() => llm.close());

  const cases: [ScriptedReply, string, boolean, RegExp][] = [
    [{ error: { status: 401, message: 'bad key' } }, 'JUDGE_AUTH', true, /OPENAI_API_KEY/],
    [{ error: { status: 404, message: 'no such model' } }, 'JUDGE_NOT_FOUND', true, /model name/],
    [{ error: { status: 429 } }, 'JUDGE_RATE_LIMITED', false, /concurrency/],
    [{ error: { status: 500, message: 'boom' } }, 'JUDGE_HTTP_ERROR', false, /server failed/],
    [{ error: { status: 400, message: 'max_tokens too large' } }, 'JUDGE_HTTP_ERROR', false, /refused/],
  ];
  for (const [r, code, fatal, hint] of cases)
    test(`HTTP ${'error' in r ? r.error.status : ''} is ${code}${fatal ? ' (fatal)' : ''}`, async () => {
      reply = r;
      const e = await failure({ ...base, provider: 'openai', baseURL: llm.url });
      assert.equal(e.code, code);
      assert.equal(e.fatal, fatal);
      assert.equal(e.status, 'error' in r ? r.error.status : undefined);
      assert.ok(e.message.includes(llm.url), e.message);
      if ('error' in r && r.error.message)
        assert.ok(e.message.includes(r.error.message), 'what the server said');
      assert.match(e.hint ?? '', hint);
    });

  test('an answer later than timeoutMs is JUDGE_TIMEOUT, naming the deadline', async () => {
    // The server waits far longer than the deadline (and is closed with its timer after the test).
    reply = { delayMs: 30_000, text: 'late' };
    const e = await failure({ ...base, provider: 'openai', baseURL: llm.url, timeoutMs: 100 });
    assert.equal(e.code, 'JUDGE_TIMEOUT');
    assert.equal(e.fatal, false);
    assert.match(e.message, /100 ms/);
    assert.match(e.hint ?? '', /timeoutMs/);
  });

  test('our own errors pass through unchanged: a text answer stays JUDGE_NO_VERDICT', async () => {
    reply = { text: 'looks fine' };
    await assert.rejects(
      new LlmJudge({ ...base, provider: 'openai', baseURL: llm.url }).scoreEpisode(episode),
      (e: unknown) =>
        e instanceof PalestraError && !(e instanceof JudgeRequestError) && e.code === 'JUDGE_NO_VERDICT',
    );
  });
});
