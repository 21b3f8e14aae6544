import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import WebSocket from 'ws';
import { type EnvServer, startServer } from './server.ts';
import { type Json, post } from './testHttp.ts';

type Msg = { type: string; data: Record<string, Json> };

/** A `ws` client that queues every message from the start (a capacity error can come with the handshake). */
function connect(server: EnvServer, query = '') {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws${query}`);
  const queue: Msg[] = [];
  const waiting: ((m: Msg) => void)[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as Msg;
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const next = () =>
    new Promise<Msg>((resolve) => (queue.length ? resolve(queue.shift()!) : waiting.push(resolve)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const ask = async (m: unknown) => {
    await opened;
    ws.send(typeof m === 'string' ? m : JSON.stringify(m));
    return next();
  };
  return { ws, next, ask, closed, opened };
}

const echo = { tool: 'echo', arguments: { word: 'apple' } };

describe('palestra serve (OpenEnv protocol) on echo-target', async () => {
  const server = await startServer(loadCatalog('echo-target'), { port: 0, maxSessions: 2, idleTimeoutS: 30 });
  after(() => server.close());

  test('GET /health, /metadata, /schema, /state answer as OpenEnv does', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/health`)).json(), { status: 'healthy' });
    const meta = (await (await fetch(`${server.url}/metadata`)).json()) as Json;
    assert.equal(meta.name, 'echo-target');
    assert.equal(meta.version, '1.0.0');
    assert.match(meta.description, /echo tool/);
    // Exactly OpenEnv's EnvironmentMetadata fields: its pydantic model forbids any other.
    assert.deepEqual(Object.keys(meta).sort(), [
      'author',
      'description',
      'documentation_url',
      'name',
      'readme_content',
      'version',
    ]);
    assert.match(meta.readme_content, /`echo`/);
    const schema = (await (await fetch(`${server.url}/schema`)).json()) as Json;
    assert.deepEqual(Object.keys(schema).sort(), ['action', 'observation', 'reset_observation', 'state']);
    assert.ok(schema.reset_observation.required.includes('instructions'));
    assert.equal(schema.reset_observation.properties.tool_name, undefined);
    const echoAlt = schema.action.oneOf.find((a: Json) => a.title === 'echo');
    assert.deepEqual(echoAlt.properties.arguments, loadCatalog('echo-target').spec.tools[0]!.parameters);
    assert.deepEqual(echoAlt.required, ['tool', 'arguments']);
    assert.ok(schema.action.oneOf.some((a: Json) => a.title === 'text reply'));
    const state = (await (await fetch(`${server.url}/state`)).json()) as Json;
    assert.equal(state.episode_id, null);
    assert.equal(state.step_count, 0);
    assert.equal((await fetch(`${server.url}/nowhere`)).status, 404);
    assert.equal((await fetch(`${server.url}/constructor`)).status, 404);
    assert.equal((await fetch(`${server.url}/reset`)).status, 405);
  });

  test('POST /reset is deterministic per seed; an empty body takes the next server seed', async () => {
    const a = await post(server, '/reset', { seed: 5 });
    const b = await post(server, '/reset', { seed: 5 });
    assert.equal(a.status, 200);
    // OpenEnv's ResetResponse: `metadata` null at the top level, `{}` inside the observation.
    assert.deepEqual(Object.keys(a.body).sort(), ['done', 'metadata', 'observation', 'reward']);
    assert.equal(a.body.metadata, null);
    assert.deepEqual(a.body.observation.metadata, {});
    assert.equal(a.body.reward, null);
    assert.equal(a.body.done, false);
    assert.equal(a.body.observation.text, b.body.observation.text);
    assert.equal(a.body.observation.task_id, b.body.observation.task_id);
    assert.notEqual(a.body.observation.episode_id, b.body.observation.episode_id);
    const c = await post(server, '/reset', '');
    assert.equal(c.status, 200);
    assert.equal(typeof c.body.observation.seed, 'number');
    const named = await post(server, '/reset', { seed: 1, task_id: 'tiger', episode_id: 'mine' });
    assert.equal(named.body.observation.task_id, 'tiger');
    assert.equal(named.body.observation.episode_id, 'mine');
    const noTask = await post(server, '/reset', { seed: 1, task_id: 'banana' });
    assert.equal(noTask.status, 422);
    assert.match(noTask.body.detail[0].msg, /no task with id "banana"/);
    const bad = await post(server, '/reset', { seed: -1 });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.detail[0].loc, ['body', 'seed']);
  });

  test('POST /step plays the action as the first step of a fresh episode; a bad action is 422 with a detail list', async () => {
    const ok = await post(server, '/step', {
      action: echo,
      task_id: 'apple',
      request_id: 'r1',
      timeout_s: 5,
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.reward, 1);
    assert.equal(ok.body.done, true);
    assert.equal(ok.body.observation.step, 1);
    assert.equal(ok.body.observation.reward_micros, 1_000_000);
    const badArgs = await post(server, '/step', { action: { tool: 'echo', arguments: { word: 7 } } });
    assert.equal(badArgs.status, 422);
    // pydantic's shape: the type, `loc` down to the argument, the input found there.
    assert.deepEqual(badArgs.body.detail, [
      { type: 'string_type', loc: ['arguments', 'word'], msg: 'Input should be a valid string', input: 7 },
    ]);
    const noAction = await post(server, '/step', {});
    assert.equal(noAction.status, 422);
    assert.deepEqual(noAction.body.detail, [
      { type: 'missing', loc: ['body', 'action'], msg: 'Field required', input: {} },
    ]);
    const notJson = await post(server, '/step', '{');
    assert.equal(notJson.status, 422);
    assert.equal(notJson.body.detail[0].type, 'json_invalid');
    // OpenEnv's CallToolAction checks only its envelope: an OpenEnv MCP environment answers a call it
    // cannot run with an observation carrying a ToolError, and takes no step.
    const noTool = await post(server, '/step', {
      action: { type: 'call_tool', tool_name: 'shout', arguments: {} },
    });
    assert.equal(noTool.status, 200);
    assert.deepEqual(noTool.body, {
      observation: {
        tool_name: 'shout',
        result: null,
        error: { error_type: 'tool_not_found', message: noTool.body.observation.error.message },
        metadata: {},
      },
      reward: null,
      done: false,
      metadata: null,
    });
    const callBadArgs = await post(server, '/step', {
      action: { type: 'call_tool', tool_name: 'echo', arguments: { word: 7 } },
    });
    assert.equal(callBadArgs.body.observation.error.error_type, 'invalid_args');
    assert.match(callBadArgs.body.observation.error.message, /word must be string/);
    const noName = await post(server, '/step', { action: { type: 'call_tool', arguments: {} } });
    assert.equal(noName.status, 422);
  });

  test("POST /mcp answers tools/list and plays tools/call as a one-step episode; POST /step lists tools for OpenEnv's list_tools", async () => {
    const list = await post(server, '/mcp', { jsonrpc: '2.0', id: 'a', method: 'tools/list' });
    assert.equal(list.status, 200);
    assert.equal(list.body.id, 'a');
    assert.deepEqual(
      list.body.result.tools.map((t: Json) => t.name),
      ['echo'],
    );
    const call = await post(server, '/mcp', {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { word: 'nothing' } },
    });
    assert.equal(call.body.result.structuredContent.step, 1);
    assert.equal(call.body.result.structuredContent.done, true);
    assert.equal((await post(server, '/mcp', '{')).body.error.code, -32700);
    assert.equal((await post(server, '/mcp', { jsonrpc: '2.0', id: 3 })).body.error.code, -32600);
    const tools = await post(server, '/step', { action: { type: 'list_tools' } });
    assert.equal(tools.body.observation.tools[0].name, 'echo');
    assert.equal(tools.body.reward, null);
  });

  test('a WebSocket episode: reset, step, state (episode id and step count), then step after the end is an error that keeps the socket', async () => {
    const c = connect(server);
    await c.opened;
    const reset = await c.ask({ type: 'reset', data: { seed: 2, task_id: 'river' } });
    assert.equal(reset.type, 'observation');
    assert.equal(reset.data.reward, null);
    assert.equal(reset.data.done, false);
    assert.match(reset.data.observation.text, /river/);
    const step = await c.ask({ type: 'step', data: { tool: 'echo', arguments: { word: 'river' } } });
    assert.equal(step.type, 'observation');
    assert.deepEqual([step.data.reward, step.data.done], [1, true]);
    assert.equal(step.data.observation.terminated, true);
    const state = await c.ask({ type: 'state' });
    assert.equal(state.type, 'state');
    assert.equal(state.data.episode_id, reset.data.observation.episode_id);
    assert.equal(state.data.step_count, 1);
    assert.equal(state.data.status, 'ended');
    const late = await c.ask({ type: 'step', data: echo });
    assert.equal(late.type, 'error');
    assert.equal(late.data.code, 'EXECUTION_ERROR');
    assert.match(late.data.message, /reset/);
    const again = await c.ask({ type: 'reset', data: { seed: 2 } });
    assert.equal(again.type, 'observation');
    c.ask({ type: 'close' });
    assert.equal((await c.closed).code, 1000);
  });

  test('exactly one reply per message, in order, even when messages are sent without waiting', async () => {
    const c = connect(server);
    await c.opened;
    const sent = [
      { type: 'state' },
      { type: 'step', data: echo },
      'not json',
      [1, 2],
      { type: 'reset', data: { seed: 9 } },
      { type: 'step', data: { tool: 'nope' } },
      { type: 'step' },
      { type: 'jump' },
      { type: 'constructor' },
      { type: 'step', data: { text: 'hello' } },
      { type: 'state' },
    ];
    for (const m of sent) c.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
    const replies: Msg[] = [];
    for (const _ of sent) replies.push(await c.next());
    assert.deepEqual(
      replies.map((r) => (r.type === 'error' ? r.data.code : r.type)),
      [
        'state',
        'EXECUTION_ERROR', // step before reset
        'INVALID_JSON',
        'VALIDATION_ERROR',
        'observation',
        'VALIDATION_ERROR', // unknown tool: rejected, no step
        'VALIDATION_ERROR', // step without data
        'UNKNOWN_TYPE',
        'UNKNOWN_TYPE',
        'observation', // a text reply is an action
        'state',
      ],
    );
    assert.equal(replies[10]!.data.step_count, 1);
    assert.equal(replies[9]!.data.done, true); // echo-target: a reply ends the episode (missed)
    c.ws.close();
    await c.closed;
  });

  test("OpenEnv's MCP forms: call_tool and list_tools as step actions, tools/list and tools/call in mcp messages", async () => {
    const c = connect(server);
    await c.opened;
    await c.ask({ type: 'reset', data: { seed: 0, task_id: 'apple' } });
    const tools = await c.ask({ type: 'step', data: { type: 'list_tools' } });
    assert.deepEqual(
      tools.data.observation.tools.map((t: Json) => t.name),
      ['echo'],
    );
    assert.ok(tools.data.observation.tools[0].input_schema);
    const list = await c.ask({ type: 'mcp', data: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    assert.equal(list.type, 'mcp');
    assert.equal(list.data.id, 1);
    assert.deepEqual(
      list.data.result.tools[0].inputSchema,
      loadCatalog('echo-target').spec.tools[0]!.parameters,
    );
    const badCall = await c.ask({
      type: 'mcp',
      data: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: {} } },
    });
    assert.equal(badCall.data.error.code, -32602);
    const call = await c.ask({
      type: 'mcp',
      data: {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'echo', arguments: { word: 'apple' } },
      },
    });
    assert.equal(call.data.result.isError, false);
    assert.match(call.data.result.content[0].text, /You said: apple/);
    assert.deepEqual(
      [call.data.result.structuredContent.reward, call.data.result.structuredContent.done],
      [1, true],
    );
    const after = await c.ask({
      type: 'mcp',
      data: {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'echo', arguments: { word: 'apple' } },
      },
    });
    assert.equal(after.data.result.isError, true);
    assert.match(after.data.result.content[0].text, /reset/);
    const unknown = await c.ask({ type: 'mcp', data: { jsonrpc: '2.0', id: 5, method: 'prompts/list' } });
    assert.equal(unknown.data.error.code, -32601);
    await c.ask({ type: 'reset', data: { seed: 0, task_id: 'apple' } });
    const viaStep = await c.ask({
      type: 'step',
      data: { type: 'call_tool', tool_name: 'echo', arguments: { word: 'apple' } },
    });
    assert.equal(viaStep.data.observation.tool_name, 'echo');
    // FastMCP's CallToolResult, as OpenEnv's MCP environments send it; MCPToolClient returns `data`.
    assert.match(viaStep.data.observation.result.data, /You said: apple/);
    assert.match(viaStep.data.observation.result.content[0].text, /You said: apple/);
    assert.equal(viaStep.data.observation.result.is_error, false);
    assert.equal(viaStep.data.observation.error, null);
    assert.equal(viaStep.data.reward, 1);
    const unknownTool = await c.ask({ type: 'step', data: { type: 'call_tool', tool_name: 'shout' } });
    assert.equal(unknownTool.type, 'observation');
    assert.deepEqual(
      [
        unknownTool.data.observation.result,
        unknownTool.data.observation.error.error_type,
        unknownTool.data.done,
      ],
      [null, 'tool_not_found', true],
    );
    c.ws.close();
    await c.closed;
  });

  test("POST /mcp keeps OpenEnv's persistent sessions (openenv/session/create, session_id, openenv/session/close), holding --max-sessions slots", async () => {
    const rpc = async (method: string, params: Json) =>
      (await post(server, '/mcp', { jsonrpc: '2.0', id: method, method, params })).body;
    const a = await rpc('openenv/session/create', { seed: 0, task_id: 'apple' });
    assert.equal(typeof a.result.session_id, 'string');
    const sid = a.result.session_id;
    const tools = await rpc('tools/list', { session_id: sid });
    assert.deepEqual(
      tools.result.tools.map((t: Json) => t.name),
      ['echo'],
    );
    const call = await rpc('tools/call', { name: 'echo', arguments: { word: 'apple' }, session_id: sid });
    assert.equal(call.result.isError, false);
    assert.match(call.result.data, /You said: apple/);
    assert.deepEqual([call.result.structuredContent.step, call.result.structuredContent.done], [1, true]);
    // The same episode: it has ended (a call without a session would be a fresh one-step episode).
    const again = await rpc('tools/call', { name: 'echo', arguments: { word: 'apple' }, session_id: sid });
    assert.equal(again.result.isError, true);
    assert.equal(again.result.structuredContent.error, 'STEP_AFTER_END');
    const b = await rpc('openenv/session/create', {});
    assert.equal(typeof b.result.session_id, 'string');
    const full = await rpc('openenv/session/create', {});
    assert.equal(full.error.code, -32000);
    assert.deepEqual(full.error.data, { active_sessions: 2, max_sessions: 2 });
    assert.deepEqual((await (await fetch(`${server.url}/sessions`)).json()) as Json, {
      active: 2,
      max_sessions: 2,
    });
    assert.deepEqual((await rpc('openenv/session/close', { session_id: sid })).result, {
      session_id: sid,
      closed: true,
    });
    assert.equal((await rpc('openenv/session/close', { session_id: sid })).error.code, -32602);
    assert.match((await rpc('tools/list', { session_id: sid })).error.message, /Unknown session_id/);
    assert.equal((await rpc('openenv/session/close', {})).error.code, -32602);
    await rpc('openenv/session/close', { session_id: b.result.session_id });
    assert.equal(((await (await fetch(`${server.url}/sessions`)).json()) as Json).active, 0);
  });

  test('/ws?session_id= attaches to a POST /mcp session: one episode for both, as openenv 0.10 MCPToolClient expects', async () => {
    const rpc = async (method: string, params: Json) =>
      (await post(server, '/mcp', { jsonrpc: '2.0', id: 1, method, params })).body;
    const sid = (await rpc('openenv/session/create', {})).result.session_id;
    const c = connect(server, `?session_id=${sid}`);
    await c.opened;
    assert.equal((await c.ask({ type: 'reset', data: { seed: 4, task_id: 'apple' } })).type, 'observation');
    const call = await rpc('tools/call', { name: 'echo', arguments: { word: 'apple' }, session_id: sid });
    assert.deepEqual([call.result.structuredContent.step, call.result.structuredContent.done], [1, true]);
    const state = await c.ask({ type: 'state' });
    assert.deepEqual([state.data.step_count, state.data.seed, state.data.status], [1, 4, 'ended']);
    // One socket per session; an unknown id is a SESSION_ERROR, then the socket closes.
    const second = connect(server, `?session_id=${sid}`);
    assert.equal((await second.next()).data.code, 'SESSION_ERROR');
    await second.closed;
    const unknown = connect(server, '?session_id=nope');
    assert.match((await unknown.next()).data.message, /Unknown session_id: nope/);
    await unknown.closed;
    // Closing the session while attached takes effect when the socket goes; the slot comes back.
    assert.equal((await rpc('openenv/session/close', { session_id: sid })).result.closed, true);
    assert.equal((await c.ask({ type: 'state' })).type, 'state');
    c.ws.close();
    await c.closed;
    for (let i = 0; ((await (await fetch(`${server.url}/sessions`)).json()) as Json).active !== 0; i++) {
      assert.ok(i < 200, 'the session should give its slot back');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match((await rpc('tools/list', { session_id: sid })).error.message, /Unknown session_id/);
  });

  test('capacity: a connection beyond max sessions gets CAPACITY_REACHED and is closed; a closed session frees its slot and its environment is reused', async () => {
    const a = connect(server);
    const b = connect(server);
    await Promise.all([a.opened, b.opened]);
    assert.equal((await a.ask({ type: 'state' })).type, 'state');
    assert.equal((await b.ask({ type: 'state' })).type, 'state');
    const c = connect(server);
    const refused = await c.next();
    assert.equal(refused.type, 'error');
    assert.equal(refused.data.code, 'CAPACITY_REACHED');
    assert.deepEqual([refused.data.active_sessions, refused.data.max_sessions], [2, 2]);
    assert.equal((await c.closed).code, 1000);
    a.ws.close();
    await a.closed;
    // The close reaches the server's handler before or after ours: a state round trip on b orders them.
    await b.ask({ type: 'state' });
    while (server.activeSessions > 1) await new Promise((r) => setImmediate(r));
    const d = connect(server);
    assert.equal((await d.ask({ type: 'state' })).type, 'state');
    // Never more environments than sessions at once: ended sessions hand theirs on.
    assert.equal(server.environmentsBuilt, 2);
    b.ws.close();
    d.ws.close();
    await Promise.all([b.closed, d.closed]);
  });
});

describe('palestra serve: idle timeout and invalid actions as penalised steps', async () => {
  const server = await startServer(loadCatalog('echo-target'), {
    port: 0,
    maxSessions: 1,
    idleTimeoutS: 0.2,
    invalidActions: 'penalize',
  });
  after(() => server.close());

  test('an idle session gets SESSION_ERROR, is closed and frees its slot', async () => {
    const c = connect(server);
    await c.opened;
    assert.equal((await c.ask({ type: 'reset', data: { seed: 1 } })).type, 'observation');
    const idle = await c.next();
    assert.equal(idle.type, 'error');
    assert.equal(idle.data.code, 'SESSION_ERROR');
    assert.match(idle.data.message, /idle/);
    assert.deepEqual(await c.closed, { code: 1000, reason: 'idle timeout' });
    const d = connect(server);
    assert.equal((await d.ask({ type: 'state' })).type, 'state');
    // OpenEnv's client reconnects silently: its next step must say the session expired.
    const lost = await d.ask({ type: 'step', data: echo });
    assert.equal(lost.data.code, 'EXECUTION_ERROR');
    assert.match(lost.data.message, /expired after 0\.2 s .*--idle-timeout.*send reset/);
    d.ws.close();
    await d.closed;
  });

  test('an idle POST /mcp session is closed and frees its slot', async () => {
    const active = async () => ((await (await fetch(`${server.url}/sessions`)).json()) as Json).active;
    const until = async (want: number) => {
      for (let i = 0; (await active()) !== want; i++) {
        assert.ok(i < 200, `expected ${want} open sessions`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(0); // the sockets of the test before give their slots back
    const rpc = async (method: string, params: Json) =>
      (await post(server, '/mcp', { jsonrpc: '2.0', id: 1, method, params })).body;
    const sid = (await rpc('openenv/session/create', { seed: 1 })).result.session_id;
    assert.equal(typeof sid, 'string');
    assert.equal((await rpc('openenv/session/create', {})).error.code, -32000);
    await until(0);
    assert.match((await rpc('tools/list', { session_id: sid })).error.message, /Unknown session_id/);
  });

  test('with --invalid-actions penalize, an unknown tool is a step with an Error observation', async () => {
    const c = connect(server);
    await c.opened;
    await c.ask({ type: 'reset', data: { seed: 1, task_id: 'apple' } });
    const r = await c.ask({ type: 'step', data: { tool: 'shout', arguments: {} } });
    assert.equal(r.type, 'observation');
    assert.equal(r.data.observation.invalid_action.code, 'UNKNOWN_TOOL');
    assert.match(r.data.observation.text, /^Error: /);
    assert.equal(r.data.observation.step, 1);
    const http = await post(server, '/step', { action: { tool: 'echo', arguments: {} } });
    assert.equal(http.status, 200);
    assert.equal(http.body.observation.invalid_action.code, 'INVALID_ARGUMENTS');
    const envelope = await post(server, '/step', { action: { tools: 'echo' } });
    assert.equal(envelope.status, 422);
    // OpenEnv's call_tool form: the penalised step reports the ToolError and no result.
    await c.ask({ type: 'reset', data: { seed: 1, task_id: 'apple' } });
    const call = await c.ask({
      type: 'step',
      data: { type: 'call_tool', tool_name: 'shout', arguments: {} },
    });
    assert.deepEqual(
      [call.data.observation.step, call.data.observation.result, call.data.observation.error.error_type],
      [1, null, 'tool_not_found'],
    );
    c.ws.close();
    await c.closed;
  });
});

describe('palestra serve: building session environments', () => {
  test('an environment that cannot be built: FACTORY_ERROR, the socket closes, the slot is free again', async () => {
    const server = await startServer(
      loadCatalog('echo-target'),
      { port: 0, maxSessions: 1 },
      { buildEnv: async () => Promise.reject(new Error('no worker for you')) },
    );
    try {
      const c = connect(server);
      const m = await c.next();
      assert.equal(m.type, 'error');
      assert.equal(m.data.code, 'FACTORY_ERROR');
      assert.match(m.data.message, /no worker for you/);
      assert.deepEqual(await c.closed, { code: 1000, reason: 'factory error' });
      assert.equal(server.activeSessions, 0);
    } finally {
      await server.close();
    }
  });

  test('a client that leaves while its environment is built keeps the slot until the environment is back, then the next session reuses it', async () => {
    const source = loadCatalog('echo-target');
    const gates: (() => void)[] = [];
    const server = await startServer(
      source,
      { port: 0, maxSessions: 1 },
      {
        buildEnv: async (s) => {
          await new Promise<void>((resolve) => gates.push(resolve));
          return openEnv(s);
        },
      },
    );
    try {
      const c = connect(server);
      await c.opened;
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      c.ws.terminate();
      await c.closed;
      // Still building: the slot is held, so a newcomer is refused.
      const refused = connect(server);
      assert.equal((await refused.next()).data.code, 'CAPACITY_REACHED');
      gates.shift()!();
      while (server.activeSessions > 0) await new Promise((r) => setImmediate(r));
      const d = connect(server);
      const reset = await d.ask({ type: 'reset', data: { seed: 1 } });
      assert.equal(reset.type, 'observation');
      assert.equal(gates.length, 0, 'the second session reused the first environment');
      assert.equal(server.environmentsBuilt, 1);
      d.ws.close();
      await d.closed;
    } finally {
      await server.close();
    }
  });
});

test('concurrent refund-desk sessions (code in worker threads) are isolated and deterministic per seed', {
  timeout: 180_000,
}, async () => {
  const server = await startServer(loadCatalog('refund-desk'), { port: 0, maxSessions: 3 });
  try {
    const play = async (seed: number) => {
      const c = connect(server);
      const reset = await c.ask({ type: 'reset', data: { seed } });
      const order = /\b([A-Z]-\d+)\b/.exec(reset.data.observation.text)![1];
      const step = await c.ask({
        type: 'step',
        data: { tool: 'lookup_order', arguments: { orderId: order } },
      });
      const state = await c.ask({ type: 'state' });
      c.ws.close();
      await c.closed;
      return { reset: reset.data, step: step.data, state: state.data };
    };
    const [a, b, c] = await Promise.all([play(1), play(2), play(1)]);
    assert.equal(a.reset.observation.text, c.reset.observation.text);
    assert.deepEqual(a.step, c.step);
    assert.notEqual(a.reset.observation.task_id, b.reset.observation.task_id);
    assert.notEqual(a.state.episode_id, c.state.episode_id);
    assert.deepEqual(
      [a, b, c].map((r) => r.state.step_count),
      [1, 1, 1],
    );
    assert.ok(server.environmentsBuilt <= 3);
  } finally {
    await server.close();
  }
});
