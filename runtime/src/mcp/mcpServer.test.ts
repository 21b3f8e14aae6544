import assert from 'node:assert/strict';
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

  test("lists one tool per environment tool with the tool's JSON Schema, plus reset and state", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['echo', 'reset', 'state'],
    );
    const spec = loadCatalog('echo-target').spec;
    assert.deepEqual(tools[0]!.inputSchema, spec.tools[0]!.parameters);
    assert.equal(tools[0]!.description, spec.tools[0]!.description);
    assert.equal(client.getServerVersion()?.name, 'palestra-echo-target');
  });

  test('a step before reset says to reset; reset, step (reward and done as structured content), then a step after the end says to reset', async () => {
    const early = await call('echo', { word: 'apple' });
    assert.equal(early.isError, true);
    assert.match(early.content[0]!.text, /reset/);

    const reset = await call('reset', { seed: 3, taskId: 'apple' });
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
