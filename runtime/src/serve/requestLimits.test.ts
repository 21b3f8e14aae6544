import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { REQUEST_LIMITS } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import WebSocket from 'ws';
import { startServer } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted field by field
type Json = any;

/** `{"tool":"echo","arguments":{"word":[[[…]]]}}`, nested `depth` arrays deep, as text (never built as a value). */
function deepAction(depth: number): string {
  return `{"tool":"echo","arguments":{"word":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
}

/** A well-formed body just past the size limit: one long string. */
const hugeWord = 'x'.repeat(REQUEST_LIMITS.maxChars);

describe('palestra serve: request limits, on the real server', async () => {
  const server = await startServer(loadCatalog('echo-target'), { port: 0, maxSessions: 2, idleTimeoutS: 30 });
  after(() => server.close());

  const post = async (path: string, body: string) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  /** The server still plays an ordinary step. */
  const stillServes = async () => {
    const ok = await post('/step', JSON.stringify({ action: { tool: 'echo', arguments: { word: 'a' } } }));
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.body.done, 'boolean');
  };

  test('an over-deep body gets 422 with INPUT_TOO_DEEP on every route, before anything recurses; the server serves on', async () => {
    const deep = deepAction(100_000);
    for (const [path, body] of [
      ['/step', `{"action":${deep}}`],
      ['/reset', `{"seed":1,"extra":${deep}}`],
      ['/mcp', `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":${deep}}}`],
    ] as const) {
      const r = await post(path, body);
      assert.equal(r.status, 422, `${path}: ${JSON.stringify(r.body).slice(0, 300)}`);
      assert.equal(r.body.code, 'INPUT_TOO_DEEP', path);
      assert.match(r.body.detail[0].msg, /nests deeper than 64 levels/);
    }
    await stillServes();
    // Within the limit, the ordinary validation answers (the depth check is not in its way).
    const legal = await post('/step', `{"action":${deepAction(REQUEST_LIMITS.maxDepth - 3)}}`);
    assert.equal(legal.status, 422);
    assert.equal(legal.body.code, undefined);
  });

  test('an over-large body gets 413 with INPUT_TOO_LARGE; the server serves on', async () => {
    const r = await post(
      '/step',
      JSON.stringify({ action: { tool: 'echo', arguments: { word: hugeWord } } }),
    );
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'INPUT_TOO_LARGE');
    assert.match(r.body.detail, /the limit is 4194304/);
    await stillServes();
  });

  test('/ws: over-deep and over-large messages get a VALIDATION_ERROR with the code, and the socket plays on', async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
    const replies: Json[] = [];
    const waiting: ((m: Json) => void)[] = [];
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      const w = waiting.shift();
      if (w) w(m);
      else replies.push(m);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const ask = (text: string) =>
      new Promise<Json>((resolve) => {
        if (replies.length) resolve(replies.shift());
        else waiting.push(resolve);
        ws.send(text);
      });
    try {
      const deep = await ask(`{"type":"step","data":${deepAction(100_000)}}`);
      assert.equal(deep.type, 'error');
      assert.equal(deep.data.code, 'VALIDATION_ERROR');
      assert.equal(deep.data.palestra_code, 'INPUT_TOO_DEEP');
      const large = await ask(
        JSON.stringify({ type: 'step', data: { tool: 'echo', arguments: { word: hugeWord } } }),
      );
      assert.equal(large.data.code, 'VALIDATION_ERROR');
      assert.equal(large.data.palestra_code, 'INPUT_TOO_LARGE');
      // Same socket, same session: an episode still plays.
      const reset = await ask(JSON.stringify({ type: 'reset', data: { seed: 3 } }));
      assert.equal(reset.type, 'observation');
      const step = await ask(
        JSON.stringify({ type: 'step', data: { tool: 'echo', arguments: { word: 'a' } } }),
      );
      assert.equal(step.type, 'observation');
      assert.equal(step.data.done, true);
    } finally {
      ws.close();
    }
  });
});
