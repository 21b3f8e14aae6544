import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { loadCatalog } from '@palestra/envs/catalog';
import { startServer } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the Python client, asserted field by field
type Json = any;

const client = new URL('./openenv_client.py', import.meta.url).pathname;

/**
 * Runs the standard-library Python client (OpenEnv's wire protocol: HTTP + a hand-written RFC 6455
 * WebSocket client) against a real server, asynchronously: the server runs in this process.
 */
async function runClient(env: string) {
  const server = await startServer(loadCatalog(env), { port: 0, maxSessions: 2, idleTimeoutS: 4 });
  try {
    const { stdout } = await promisify(execFile)('python3', [client, server.url], { timeout: 240_000 });
    return { out: JSON.parse(stdout), built: server.environmentsBuilt };
  } finally {
    await server.close();
  }
}

function assertProtocol(out: Json, name: string, tools: string[]) {
  assert.deepEqual(out.health, [200, { status: 'healthy' }]);
  assert.equal(out.metadata.name, name);
  assert.equal(out.metadata.version, '1.0.0');
  assert.deepEqual(out.schema.keys, ['action', 'observation', 'reset_observation', 'state']);
  assert.deepEqual(out.schema.action_titles, [...tools, 'text reply', 'call_tool', 'list_tools']);
  assert.deepEqual(out.schema.state_required, ['episode_id', 'step_count']);
  assert.deepEqual(out.http_reset, {
    status: 200,
    keys: ['done', 'metadata', 'observation', 'reward'],
    done: false,
    seed: 1,
  });
  assert.equal(out.http_step.status, 200);
  assert.equal(out.http_step.step, 1);
  assert.equal(out.http_bad_action.status, 422);
  assert.deepEqual(out.http_bad_action.detail[0].loc, ['tool']);
  assert.deepEqual(out.http_bad_json, { status: 422, type: 'json_invalid' });
  assert.equal(out.ws_reset.type, 'observation');
  assert.equal(out.ws_reset.reward, null);
  assert.equal(out.ws_reset.done, false);
  assert.equal(out.ws_reset.seed, 1);
  assert.equal(out.ws_state.type, 'state');
  assert.equal(out.ws_state.data.step_count, out.ws_steps.length);
  assert.equal(out.ws_state.data.seed, 1);
  assert.equal(typeof out.ws_state.data.episode_id, 'string');
  assert.deepEqual(out.ws_invalid_action, { type: 'error', code: 'VALIDATION_ERROR', errors: 1 });
  assert.equal(out.ws_unknown_type, 'UNKNOWN_TYPE');
  assert.equal(out.ws_invalid_json, 'INVALID_JSON');
  // The errors above kept the socket and took no step.
  assert.equal(out.ws_state_after_errors, out.ws_steps.length);
  assert.deepEqual(out.ws_list_tools, tools);
  assert.deepEqual(out.ws_mcp, { type: 'mcp', id: 7, tools });
  assert.deepEqual(out.ws_close, [1000, 'closed by client']);
  assert.deepEqual(out.capacity, {
    accepted: 2,
    code: 'CAPACITY_REACHED',
    max_sessions: 2,
    close: [1000, 'capacity reached'],
  });
  assert.deepEqual(out.idle, { type: 'error', code: 'SESSION_ERROR', close: [1000, 'idle timeout'] });
}

test('a stdlib Python OpenEnv client plays echo-target over HTTP and /ws', { timeout: 300_000 }, async () => {
  const { out, built } = await runClient('echo-target');
  assertProtocol(out, 'echo-target', ['echo']);
  assert.deepEqual([out.http_step.reward, out.http_step.done], [1, true]);
  assert.equal(out.ws_reset.task_id, 'apple');
  assert.deepEqual(
    out.ws_steps.map((s: Json) => [s.type, s.reward, s.done]),
    [['observation', 1, true]],
  );
  assert.equal(out.ws_state.data.status, 'ended');
  // After the end, even OpenEnv's call_tool form is refused until a reset.
  assert.equal(out.ws_after_end_or_call_tool, 'EXECUTION_ERROR');
  assert.ok(built <= 2, `at most --max-sessions environments, built ${built}`);
});

test('a stdlib Python OpenEnv client plays refund-desk (code in worker threads) over HTTP and /ws', {
  timeout: 300_000,
}, async () => {
  const { out, built } = await runClient('refund-desk');
  assertProtocol(out, 'refund-desk', ['lookup_order', 'issue_refund', 'deny_refund', 'escalate', 'reply']);
  assert.equal(out.ws_reset.task_id, 'ticket-4100');
  assert.equal(out.ws_steps.length, 2);
  assert.match(out.ws_steps[0].text, /Order A-7385: phone case, total paid/);
  assert.match(out.ws_steps[1].text, /You told the customer: Thanks/);
  assert.ok(out.ws_steps.every((s: Json) => s.type === 'observation' && s.done === false));
  assert.equal(out.ws_state.data.status, 'running');
  assert.equal(
    out.ws_state.data.return_micros,
    Math.round((out.ws_steps[0].reward + out.ws_steps[1].reward) * 1e6),
  );
  assert.equal(out.ws_after_end_or_call_tool, 'observation');
  assert.ok(built <= 2, `at most --max-sessions environments, built ${built}`);
});
