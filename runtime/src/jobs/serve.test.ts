import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { serve } from './serve.ts';

test('serve resolves once listening, with the URL the system picked; the signal closes it and its sessions', async () => {
  const controller = new AbortController();
  const server = await serve({ env: 'echo-target', port: 0 }, { signal: controller.signal });
  assert.equal(server.env, 'echo-target@1.0.0');
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  assert.equal(server.wsUrl, `${server.url.replace('http', 'ws')}/ws`);
  assert.equal(server.options.maxSessions, 8, 'defaults filled in');
  assert.deepEqual(await (await fetch(`${server.url}/health`)).json(), { status: 'healthy' });

  const ws = new WebSocket(server.wsUrl);
  await once(ws, 'open');
  assert.equal(server.activeSessions, 1);
  const socketClosed = once(ws, 'close');
  controller.abort();
  await server.closed;
  await socketClosed;
  assert.equal(server.activeSessions, 0);
  await assert.rejects(fetch(`${server.url}/health`), 'nothing listens after the abort');
  await server.close(); // idempotent
});

test('close() by the caller settles `closed`; a port in use is PORT_IN_USE; an aborted signal starts nothing', async () => {
  const server = await serve({ env: 'echo-target', port: 0 });
  await server.close();
  await server.closed;

  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(serve({ env: 'echo-target', port }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'PORT_IN_USE');
      assert.match(e.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1`));
      return true;
    });
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }

  await assert.rejects(
    serve({ env: 'echo-target', port: 0 }, { signal: AbortSignal.abort() }),
    (e: Error & { code?: string }) => e.code === 'JOB_ABORTED',
  );
});
