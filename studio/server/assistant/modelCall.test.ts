// What the assistant's model call sends through the providers' SDKs, against the local LLM wire
// server: one attempt per call (the member sends again), a local endpoint needs no key, and the
// studio's environment adds no credential of its own to a request the member pointed elsewhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LlmServer, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { callModel, type ModelRequest } from './modelCall.ts';
import type { ModelSettings } from './modelSettings.ts';

let llm: LlmServer;
let script: ScriptedReply[] = [];
before(async () => {
  llm = await startLlmServer({ script: () => script.shift() ?? { text: 'done' } });
});
after(() => llm?.close());

const request: ModelRequest = { system: 'be brief', messages: [{ role: 'user', text: 'hi' }], tools: [] };

/** Runs `f` with the environment variables `vars` set (undefined: unset), then puts them back. */
async function withEnv<T>(vars: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v))
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
  };
  apply(vars);
  try {
    return await f();
  } finally {
    apply(before);
  }
}

for (const provider of ['openai', 'anthropic'] as const) {
  describe(provider, () => {
    const settings = (): ModelSettings => ({
      provider,
      model: 'toy',
      baseUrl: provider === 'openai' ? llm.url : llm.anthropicUrl,
    });

    it('one attempt per call: a failing endpoint is asked once, and the member sees its error', async () => {
      for (const status of [429, 503]) {
        script = [{ error: { status, message: 'busy' } }, { text: 'a retry would get this' }];
        const from = llm.requests.length;
        await assert.rejects(callModel(settings(), 'sk-typed', request), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'ASSISTANT_MODEL_HTTP_ERROR');
          assert.match(e.message, new RegExp(`HTTP ${status} from .*: busy$`));
          return true;
        });
        assert.equal(llm.requests.length - from, 1);
        script = [];
      }
    });

    it('a local endpoint needs no key', async () => {
      const reply = await withEnv({ OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined }, () =>
        callModel(settings(), undefined, request),
      );
      assert.deepEqual(reply, { text: 'done', toolCalls: [] });
    });

    it("the studio's environment adds no credential or endpoint of its own", async () => {
      const from = llm.requests.length;
      await withEnv(
        {
          OPENAI_ORG_ID: 'org-of-the-studio',
          OPENAI_PROJECT_ID: 'proj-of-the-studio',
          OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
          ANTHROPIC_AUTH_TOKEN: 'token-of-the-studio',
          ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
        },
        () => callModel(settings(), 'sk-typed', request),
      );
      const [sent] = llm.requests.slice(from);
      assert.equal(sent?.api, provider, 'the typed endpoint was called');
      assert.equal(sent.headers.authorization, 'Bearer sk-typed');
      const all = JSON.stringify(sent.headers);
      assert.doesNotMatch(all, /of-the-studio/);
    });
  });
}
