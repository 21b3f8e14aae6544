import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { it } from 'node:test';
import { freePort, processAlive, startAnvil, waitForRpc } from './anvil.ts';
import { ContractsError } from './errors.ts';

it('starts anvil on a free loopback port, answers, and stops', async () => {
  const anvil = await startAnvil({ chainId: 4242 });
  assert.equal(anvil.chainId, 4242);
  assert.equal(anvil.rpcUrl, `http://127.0.0.1:${anvil.port}`);
  assert.equal(await waitForRpc(anvil.rpcUrl), 4242);
  await anvil.stop();
  assert.equal(processAlive(anvil.pid), false);
  await anvil.stop(); // idempotent
});

it('reports an anvil that exits before answering', async () => {
  await assert.rejects(
    startAnvil({ args: ['--no-such-flag'] }),
    (e) => e instanceof ContractsError && e.code === 'ANVIL_EXITED' && e.hint !== undefined,
  );
});

it('gives up on an RPC that never answers, naming the URL', async () => {
  const server = createServer((socket) => socket.destroy());
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    await assert.rejects(
      waitForRpc(`http://127.0.0.1:${port}`, 200),
      (e) => e instanceof ContractsError && e.code === 'RPC_UNREACHABLE' && e.message.includes(String(port)),
    );
  } finally {
    server.close();
  }
});
