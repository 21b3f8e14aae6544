import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { loadCatalog } from '@palestra/envs/catalog';
import { ensureOpenEnvVenv, OPENENV_KIT_DIR } from '@palestra/testing/openenv';
import { type EnvServer, startServer } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the Python probe, compared as a whole
type Json = any;

/**
 * The same fixed sequence of protocol messages (HTTP and /ws) sent to OpenEnv's own server
 * (openenv's `create_fastapi_app` hosting an MCP environment with an `echo(word)` tool,
 * `reference_server.py` of @palestra/testing's openenv kit) and to `palestra serve echo-target`: every answer's shape
 * (status, reply type, error code, keys, `loc`s, tool error types) must be the same. Only what the
 * environments themselves decide differs: the text, and reward/done (an OpenEnv MCP environment has
 * no episode; echo-target's ends with reward 1).
 */

const dir = OPENENV_KIT_DIR;
const exec = promisify(execFile);

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

let python: string;
let reference: ChildProcess | undefined;
let ours: EnvServer | undefined;
let fromReference: Json;
let fromOurs: Json;

before(
  async () => {
    python = await ensureOpenEnvVenv({ log: (l) => console.error(`openenv-check: ${l}`) });
    const port = await freePort();
    reference = spawn(python, [`${dir}reference_server.py`, String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    reference.stderr!.on('data', (d) => (stderr += d));
    const url = `http://127.0.0.1:${port}`;
    // Ready when it answers /health (importing FastAPI and FastMCP takes seconds).
    for (let i = 0; ; i++) {
      if (reference.exitCode !== null) throw new Error(`OpenEnv's reference server exited: ${stderr}`);
      const ok = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 600) throw new Error(`OpenEnv's reference server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    ours = await startServer(loadCatalog('echo-target'), { port: 0, maxSessions: 2, idleTimeoutS: 60 });
    const probe = async (target: string) =>
      JSON.parse((await exec(python, [`${dir}probe_protocol.py`, target], { timeout: 120_000 })).stdout);
    fromReference = await probe(url);
    fromOurs = await probe(ours.url);
  },
  { timeout: 900_000 },
);

after(async () => {
  await ours?.close();
  if (reference && reference.exitCode === null) {
    reference.kill('SIGTERM');
    await once(reference, 'exit');
  }
});

/** The fields the environments decide (text, reward, done), checked apart and then set aside. */
function environmentPart(step: Json) {
  const { reward_type, done, result_data, result_text, ...protocol } = step;
  return { protocol, env: { reward_type, done, result_data, result_text } };
}

test('HTTP: the same status codes, keys and validation locations as OpenEnv’s server', () => {
  const ref = { ...fromReference.http };
  const our = { ...fromOurs.http };
  const refCall = environmentPart(ref.step_call_tool[1]);
  const ourCall = environmentPart(our.step_call_tool[1]);
  assert.deepEqual(ourCall.protocol, refCall.protocol);
  assert.equal(our.step_call_tool[0], ref.step_call_tool[0]);
  assert.match(ourCall.env.result_data, /You said: apple/);
  assert.equal(ourCall.env.result_text, ourCall.env.result_data);
  delete ref.step_call_tool;
  delete our.step_call_tool;
  assert.deepEqual(our, ref);
});

test('/ws: the same reply types, error codes, error locations and tool errors as OpenEnv’s server', () => {
  const ref = { ...fromReference.ws };
  const our = { ...fromOurs.ws };
  assert.deepEqual(environmentPart(our.call_tool).protocol, environmentPart(ref.call_tool).protocol);
  assert.deepEqual(environmentPart(our.call_tool).env, {
    reward_type: 'float',
    done: true,
    result_data: environmentPart(our.call_tool).env.result_data,
    result_text: environmentPart(our.call_tool).env.result_data,
  });
  delete ref.call_tool;
  delete our.call_tool;
  assert.deepEqual(our, ref);
});
