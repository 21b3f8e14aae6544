import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { PalestraError } from '@palestra/envs';
import { listenError } from './listenError.ts';

/** The error Node gives for listening where `host` and `port` say (undefined when it listens). */
async function listenFailure(port: number, host: string): Promise<unknown> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return undefined;
  } catch (e) {
    return e;
  } finally {
    server.close();
  }
}

test('a real EADDRINUSE becomes PORT_IN_USE with the address, the fix and the cause', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const raw = await listenFailure(port, '127.0.0.1');
    const e = listenError(raw, { host: '127.0.0.1', port });
    assert.ok(e instanceof PalestraError);
    assert.equal(e.code, 'PORT_IN_USE');
    assert.match(e.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1`));
    assert.match(e.hint ?? '', /--port 0/);
    assert.deepEqual(e.details, { host: '127.0.0.1', port });
    assert.equal(e.cause, raw);
  } finally {
    taken.close();
  }
});

test('an address of no interface here is HOST_UNAVAILABLE; any other error passes through unchanged', async () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737), never configured on a real interface.
  const raw = await listenFailure(0, '192.0.2.1');
  const e = listenError(raw, { host: '192.0.2.1', port: 0 });
  assert.ok(e instanceof PalestraError);
  assert.equal(e.code, 'HOST_UNAVAILABLE');
  const other = new Error('something else');
  assert.equal(listenError(other, { host: '127.0.0.1', port: 1 }), other);
});
