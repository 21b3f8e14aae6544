import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { ensureOpenEnvVenv, OPENENV_KIT_DIR } from '@palestra/testing/openenv';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the Python check, asserted field by field
type Json = any;

/**
 * OpenEnv's own published client (openenv 0.10.0, hash-locked in @palestra/testing's openenv/requirements.lock)
 * against `palestra serve frozen-lake` started as the CLI starts it, in a child process on a free
 * loopback port. The Python side only drives OpenEnv's classes and prints what they saw; the
 * expectations are computed here with a direct `makeEnv` run of the same seeds and policy.
 */

const check = `${OPENENV_KIT_DIR}check_openenv.py`;
const commandFile = new URL('../cli/serve.ts', import.meta.url).href;
const MAX_SESSIONS = 2;

/** The policy the Python check follows (FrozenLake 4x4's optimal one), by tile. */
const POLICY: Record<number, string> = {
  0: 'left',
  1: 'up',
  2: 'up',
  3: 'up',
  4: 'left',
  6: 'left',
  8: 'up',
  9: 'down',
  10: 'left',
  13: 'right',
  14: 'down',
};

interface Expected {
  seed: number;
  positions: number[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
  return: number;
}

/** The same episode played in process, without the server. */
async function direct(seed: number): Promise<Expected> {
  const env = await makeEnv(loadCatalog('frozen-lake'));
  try {
    let pos = env.reset({ seed }).observation.json.position as number;
    const e: Expected = { seed, positions: [], rewards: [], terminated: [], truncated: [], return: 0 };
    for (;;) {
      const s = env.step({ tool: 'move', arguments: { direction: POLICY[pos]! } });
      pos = s.observation.json.position as number;
      e.positions.push(pos);
      e.rewards.push(s.reward);
      e.terminated.push(s.terminated);
      e.truncated.push(s.truncated);
      e.return += s.reward;
      if (s.terminated || s.truncated) return e;
    }
  } finally {
    env.close();
  }
}

function startServe(): Promise<{ child: ChildProcess; url: string }> {
  const code = `import { Command } from 'commander'; import { registerServeCommand } from ${JSON.stringify(commandFile)};
const p = new Command('palestra'); registerServeCommand(p);
await p.parseAsync(['serve', 'frozen-lake', '--host', '127.0.0.1', '--port', '0', '--max-sessions', '${MAX_SESSIONS}', '--idle-timeout', '120'], { from: 'user' });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', () => reject(new Error(`palestra serve exited early: ${out}`)));
  });
}

let python: string;
let server: { child: ChildProcess; url: string };
let out: Json;
let expected: Expected[];

before(
  async () => {
    python = await ensureOpenEnvVenv({ log: (l) => console.error(`openenv-check: ${l}`) });
    // Seeds whose episodes end differently: reaching the goal and falling into a hole.
    const first: Expected[] = [];
    for (let seed = 0; first.length < 3 && seed < 200; seed++) {
      const e = await direct(seed);
      const kind = e.return > 0 ? 'goal' : 'hole';
      if (first.filter((f) => (f.return > 0 ? 'goal' : 'hole') === kind).length < (kind === 'goal' ? 2 : 1))
        first.push(e);
    }
    expected = first;
    assert.deepEqual(expected.map((e) => e.return > 0).sort(), [false, true, true]);
    server = await startServe();
    const config = { episodes: expected.map((e) => e.seed), max_sessions: MAX_SESSIONS };
    try {
      const { stdout } = await promisify(execFile)(python, [check, server.url, JSON.stringify(config)], {
        timeout: 240_000,
        maxBuffer: 16 << 20,
      });
      out = JSON.parse(stdout);
    } catch (e) {
      // A failed check still prints its summary: show which part failed and why.
      const stdout = (e as { stdout?: string }).stdout;
      out = stdout ? JSON.parse(stdout) : { ok: false, errors: { run: String(e) } };
    }
  },
  { timeout: 900_000 },
);

after(async () => {
  if (!server) return;
  server.child.kill('SIGTERM');
  if (server.child.exitCode === null) await once(server.child, 'exit');
});

function assertEpisode(got: Json, want: Expected) {
  assert.equal(got.seed, want.seed);
  assert.deepEqual(got.reset, {
    reward: null,
    done: false,
    seed: want.seed,
    position: 0,
    // `observation.metadata` is `{}`, as OpenEnv's `Observation` model always prints it.
    has_metadata: true,
  });
  assert.deepEqual(
    got.steps.map((s: Json) => s.position),
    want.positions,
  );
  assert.deepEqual(
    got.steps.map((s: Json) => s.reward),
    want.rewards,
  );
  // done is the top-level flag OpenEnv's client reads; terminated/truncated travel in the observation.
  assert.deepEqual(
    got.steps.map((s: Json) => s.done),
    want.terminated.map((t, i) => t || want.truncated[i]!),
  );
  assert.deepEqual(
    got.steps.map((s: Json) => [s.terminated, s.truncated]),
    want.terminated.map((t, i) => [t, want.truncated[i]]),
  );
  assert.deepEqual(
    got.steps.map((s: Json) => s.step),
    want.positions.map((_, i) => i + 1),
  );
  // Floats, as OpenEnv's pydantic server sends them, also when the reward is a whole number.
  assert.deepEqual(new Set(got.steps.map((s: Json) => s.reward_type)), new Set(['float']));
  assert.equal(got.return, want.return);
  assert.equal(got.state.step_count, want.positions.length);
  assert.equal(got.state.status, 'ended');
  assert.equal(got.state.seed, want.seed);
  assert.equal(got.state.return_micros, Math.round(want.return * 1e6));
  assert.equal(typeof got.state.episode_id, 'string');
  assert.equal(got.state_is_openenv_state, true);
}

test('every check of OpenEnv’s own client ran without an exception', () => {
  assert.deepEqual(out.errors, {}, Object.values(out.errors ?? {}).join('\n'));
  assert.equal(out.ok, true);
});

test('HTTP answers validate against the response models OpenEnv’s server declares', () => {
  const http = out.http;
  assert.equal(http.health, 'healthy');
  assert.equal(http.metadata.name, 'frozen-lake');
  assert.equal(http.metadata.version, '1.0.0');
  assert.match(http.metadata.readme_content, /`move`/);
  // frozen-lake declares Gymnasium spaces: a value of its action space is an action too ({space}).
  assert.deepEqual(http.schema_action_titles, ['move', 'text reply', 'call_tool', 'space', 'list_tools']);
  assert.deepEqual([http.http_state.episode_id, http.http_state.step_count], [null, 0]);
  assert.deepEqual(http.http_reset, { status: 200, done: false, reward: null, seed: 3 });
  assert.deepEqual([http.http_step.status, http.http_step.step], [200, 1]);
  assert.deepEqual(http.http_invalid_action, { status: 422, detail_is_list: true });
});

test('AutoEnv + GenericEnvClient.sync() play an episode exactly as makeEnv does with the same seed', () => {
  assert.equal(out.sync.auto_env_client, 'GenericEnvClient');
  assertEpisode(out.sync.episode, expected[0]!);
});

test('OpenEnv’s client surfaces protocol errors with OpenEnv’s codes, and they take no step', () => {
  const e = out.sync.errors;
  assert.match(e.step_before_reset, /^RuntimeError: Server error: .*reset.*\(code: EXECUTION_ERROR\)$/);
  assert.match(e.step_after_end, /^RuntimeError: Server error: .*ended.*\(code: EXECUTION_ERROR\)$/);
  assert.match(e.invalid_arguments, /\(code: VALIDATION_ERROR\)$/);
  assert.match(e.unknown_tool, /no tool "fly".*\(code: VALIDATION_ERROR\)$/);
  assert.match(e.not_an_action, /\(code: VALIDATION_ERROR\)$/);
  assert.equal(out.sync.state_after_errors, 0);
});

test('two async GenericEnvClient sessions at once play their own seeds, interleaved, each as makeEnv does', () => {
  assert.equal(out.concurrent_episodes.length, 2);
  assertEpisode(out.concurrent_episodes[0], expected[1]!);
  assertEpisode(out.concurrent_episodes[1], expected[2]!);
  assert.notEqual(out.concurrent_episodes[0].state.episode_id, out.concurrent_episodes[1].state.episode_id);
});

test('a session beyond --max-sessions gets CAPACITY_REACHED through OpenEnv’s client', () => {
  assert.equal(out.capacity.held, MAX_SESSIONS);
  assert.deepEqual(out.capacity.first_message, {
    type: 'error',
    code: 'CAPACITY_REACHED',
    active_sessions: MAX_SESSIONS,
    max_sessions: MAX_SESSIONS,
  });
});

test('MCPToolClient lists the tools and calls them over /ws, as with an OpenEnv MCP environment', () => {
  const m = out.mcp_tool_client;
  assert.equal(m.reset_done, false);
  assert.deepEqual(m.tools, [{ name: 'move', required: ['direction'] }]);
  assert.equal(m.call_tool_result_is_text, true);
  assert.deepEqual(
    [m.step_observation, m.step_tool_name, m.step_error],
    ['CallToolObservation', 'move', null],
  );
  // openenv 0.10's MCPToolClient calls tools over its `POST /mcp` session (production mode), where
  // a bad call is a JSON-RPC error it raises with the server's message (over /ws it would be the
  // observation's ToolError, `(type: invalid_args)`: server.test.ts checks that observation).
  assert.match(m.bad_args, /^RuntimeError: Tool 'move' failed: invalid arguments for move: \/direction/);
  assert.match(m.unknown_tool, /^RuntimeError: Tool 'fly' failed: there is no tool "fly"/);
  // Two good calls were steps; the two bad ones were not.
  assert.deepEqual(m.state, { step_count: 2, episode_id_set: true });
});

test('MCPToolClient in production mode keeps a persistent HTTP /mcp session and closes it', () => {
  const m = out.mcp_production;
  assert.deepEqual(m.tools, ['move']);
  assert.deepEqual(m.results_are_text, [true, true]);
  assert.equal(m.session_id_set, true);
  assert.match(m.unknown_tool, /^RuntimeError: Tool 'fly' failed: there is no tool "fly"/);
  // The session holds a slot while open; close() ends it (openenv/session/close) and forgets its id.
  assert.equal(m.open_sessions_during, 1);
  assert.equal(m.closed_session_id, null);
});
