import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadCatalog } from '@palestra/envs/catalog';

const launcher = new URL('./launch.js', import.meta.url).pathname;

type Result = {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** The SDK's own client, spawning the server the way an MCP host does. */
async function connect(env: string) {
  const client = new Client({ name: 'palestra-test', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [launcher, env], stderr: 'pipe' }),
  );
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as Result;
  return { client, call };
}

describe('palestra mcp echo-target (stdio, the SDK client)', async () => {
  const { client, call } = await connect('echo-target');
  after(() => client.close());

  test("lists one tool per environment tool with the tool's JSON Schema, plus reset, state and reply_text, each with an outputSchema", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['echo', 'reset', 'state', 'reply_text'],
    );
    for (const t of tools) assert.equal(t.outputSchema?.type, 'object', t.name);
    assert.deepEqual(Object.keys(tools[1]!.inputSchema.properties ?? {}), ['seed', 'task_id', 'task_index']);
    const spec = loadCatalog('echo-target').spec;
    assert.deepEqual(tools[0]!.inputSchema, spec.tools[0]!.parameters);
    assert.equal(tools[0]!.description, spec.tools[0]!.description);
    assert.equal(client.getServerVersion()?.name, 'palestra-echo-target');
  });

  test('a step before reset says to reset; reset, step (reward and done as structured content), then a step after the end says to reset', async () => {
    const early = await call('echo', { word: 'apple' });
    assert.equal(early.isError, true);
    assert.match(early.content[0]!.text, /reset/);

    const reset = await call('reset', { seed: 3, task_id: 'apple' });
    assert.equal(reset.isError, false);
    assert.match(reset.content[0]!.text, /Call the echo tool with the word: apple/);
    assert.equal(reset.structuredContent!.task_id, 'apple');
    assert.equal(reset.structuredContent!.seed, 3);

    const step = await call('echo', { word: 'apple' });
    assert.equal(step.isError, false);
    assert.match(step.content[0]!.text, /You said: apple/);
    assert.equal(step.structuredContent!.reward, 1);
    assert.equal(step.structuredContent!.done, true);
    assert.equal(step.structuredContent!.reward_micros, 1_000_000);

    const late = await call('echo', { word: 'apple' });
    assert.equal(late.isError, true);
    assert.match(late.content[0]!.text, /ended.*reset/);
    assert.equal(late.structuredContent!.done, true);

    const state = await call('state');
    assert.equal(state.structuredContent!.step_count, 1);
    assert.equal(state.structuredContent!.status, 'ended');
    assert.equal(state.structuredContent!.episode_id, reset.structuredContent!.episode_id);
  });

  test('resets without a seed take 0, 1, …; invalid arguments are a penalised step, as in the kernel', async () => {
    const a = await call('reset');
    const b = await call('reset');
    assert.deepEqual([a.structuredContent!.seed, b.structuredContent!.seed], [0, 1]);
    const bad = await call('echo', { word: 42 });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]!.text, /^Error: invalid arguments for echo/);
    assert.equal(bad.structuredContent!.step, 1);
    assert.equal((bad.structuredContent!.invalid_action as { code: string }).code, 'INVALID_ARGUMENTS');
    const badReset = await call('reset', { seed: -1 });
    assert.equal(badReset.isError, true);
  });

  test('an unknown tool is JSON-RPC -32602 and takes no step; reset takes task_index; reply_text plays a text turn', async () => {
    const reset = await call('reset', { seed: 4, task_index: 1 });
    assert.equal(reset.structuredContent!.task_index, 1);
    await assert.rejects(call('shout', {}), (e: { code?: number; message: string }) => {
      assert.equal(e.code, -32602);
      assert.match(e.message, /shout not found/);
      return true;
    });
    assert.equal((await call('state')).structuredContent!.step_count, 0);
    const reply = await call('reply_text', { text: 'hello' });
    assert.equal(reply.isError, false);
    assert.equal(reply.structuredContent!.step, 1);
    assert.equal(reply.structuredContent!.invalid_action, null);
  });
});

test('palestra mcp writes rewards as floats on the wire (1.0, as Python clients read them)', async () => {
  const child = spawn(process.execPath, [launcher, 'echo-target'], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const ask = async (id: number, method: string, params: unknown) => {
      child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      for (;;) {
        const line = String((await lines.next()).value);
        if ((JSON.parse(line) as { id?: number }).id === id) return line;
      }
    };
    await ask(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '0' },
    });
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    await ask(2, 'tools/call', { name: 'reset', arguments: { seed: 1, task_id: 'apple' } });
    const step = await ask(3, 'tools/call', { name: 'echo', arguments: { word: 'apple' } });
    assert.match(step, /"reward":1\.0[,}]/);
  } finally {
    child.kill();
  }
});

test('palestra mcp refund-desk: code modules in a worker inside the MCP server process', {
  timeout: 120_000,
}, async () => {
  const { client, call } = await connect('refund-desk');
  try {
    const reset = await call('reset', { seed: 1 });
    const order = /\b([A-Z]-\d+)\b/.exec(reset.content[0]!.text)?.[1];
    assert.ok(order, reset.content[0]!.text);
    const step = await call('lookup_order', { orderId: order });
    assert.equal(step.isError, false);
    assert.match(step.content[0]!.text, new RegExp(`Order ${order}: `));
    assert.equal(step.structuredContent!.done, false);
    assert.equal(typeof step.structuredContent!.reward, 'number');
  } finally {
    await client.close();
  }
});
