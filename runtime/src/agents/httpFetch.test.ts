import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { httpFetch } from './httpFetch.ts';

let server: Server;
let url = '';
const seen: { method: string; path: string; body: string; headers: Record<string, unknown> }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, body, headers: req.headers });
      if (req.url === '/slow') return; // never answers: the caller must abort
      if (req.url === '/none') return void res.writeHead(204).end();
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(req.url!.startsWith('/teapot') ? 418 : 200, {
        'content-type': 'application/json',
        'x-k': 'v',
      });
      res.end(JSON.stringify({ echo: body, path: req.url }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('httpFetch returns a real Response: status, headers (repeated ones too), body; sends method, headers and body', async () => {
  const f = httpFetch();
  const r = await f(`${url}/teapot?q=1`, { method: 'POST', headers: { 'x-a': 'b' }, body: 'héllo' });
  assert.equal(r.status, 418);
  assert.equal(r.headers.get('x-k'), 'v');
  assert.equal(r.headers.get('set-cookie'), 'a=1, b=2');
  assert.deepEqual(await r.json(), { echo: 'héllo', path: '/teapot?q=1' });
  const last = seen.at(-1)!;
  assert.equal(last.method, 'POST');
  assert.equal(last.headers['x-a'], 'b');
  assert.equal(last.headers['content-length'], String(Buffer.byteLength('héllo')));
  const empty = await f(`${url}/none`);
  assert.equal(empty.status, 204);
  assert.equal(await empty.text(), '');
});

test('httpFetch: an abort rejects with an AbortError at once; a refused connection is a TypeError', async () => {
  const f = httpFetch();
  const controller = new AbortController();
  const pending = f(`${url}/slow`, { method: 'POST', body: '{}', signal: controller.signal });
  setImmediate(() => controller.abort());
  await assert.rejects(pending, (e: Error) => e.name === 'AbortError');
  await assert.rejects(f(`${url}/x`, { signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
  // A port nothing listens on (this server's, once closed).
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closed = (probe.address() as AddressInfo).port;
  probe.close();
  await assert.rejects(f(`http://127.0.0.1:${closed}/`), TypeError);
});

test('the openai SDK works through httpFetch: answers, HTTP errors and timeouts keep their SDK classes', async () => {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0, fetch: httpFetch() });
  const models = await client.models.list().withResponse();
  assert.equal(models.response.status, 200);
  const slow = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0, timeout: 50, fetch: httpFetch() });
  await assert.rejects(slow.post('/slow', { body: {} }), OpenAI.APIConnectionTimeoutError);
  const teapot = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0, fetch: httpFetch() });
  await assert.rejects(
    teapot.post('/teapot', { body: {} }),
    (e: unknown) => e instanceof OpenAI.APIError && e.status === 418,
  );
});
