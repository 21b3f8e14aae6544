import { parentPort, workerData } from 'node:worker_threads';
import { type Env, makeEnv } from '../kernel/env.ts';
import type { EnvSource } from '../kernel/source.ts';
import { VectorEnv } from '../kernel/vector.ts';
import { Channel, IDLE, REQUEST, RESPONSE } from './channel.ts';
import { serializeError } from './errorWire.ts';

/**
 * The worker side of an isolated environment: builds one Env (or one VectorEnv) and answers
 * requests from the channel until told to close. Runs in its own thread, so the parent can
 * terminate it if environment code hangs where QuickJS cannot interrupt it.
 */
interface Init {
  source: EnvSource;
  buffer: SharedArrayBuffer;
  vector?: { n: number; mode: 'next-step' | 'same-step' | 'disabled' };
}

const init = workerData as Init;
const channel = new Channel(init.buffer);
let env: Env | undefined;
let vec: VectorEnv | undefined;

async function handle(req: { op: string; args: unknown[] }): Promise<unknown> {
  const x = req.args[0] as never;
  if (vec) {
    switch (req.op) {
      case 'reset':
        return vec.reset(x);
      case 'step': {
        const r = vec.step(x);
        return { ...r, rewards: Array.from(r.rewards) };
      }
      case 'resetDone':
        return vec.resetDone(x);
    }
  } else if (env) {
    switch (req.op) {
      case 'reset':
        return env.reset(x);
      case 'step':
        return env.step(x);
      case 'snapshot':
        return env.snapshot();
      case 'restore':
        return env.restore(x);
      case 'contextProblems':
        return env.contextProblems() ?? null;
      case 'steps':
        return env.steps;
      case 'recover':
        await env.recover();
        return null;
    }
  }
  throw new Error(`unknown request ${req.op}`);
}

try {
  if (init.vector) vec = await VectorEnv.create(init.source, init.vector.n, init.vector.mode);
  else env = await makeEnv(init.source);
  parentPort!.postMessage({ ready: true });
} catch (e) {
  parentPort!.postMessage({ ready: false, error: serializeError(e) });
  process.exit(0);
}

for (;;) {
  channel.waitWhile(IDLE, Number.POSITIVE_INFINITY);
  if (channel.state !== REQUEST) continue;
  const req = channel.read() as { op: string; args: unknown[] };
  if (req.op === 'close') {
    env?.close();
    vec?.close();
    channel.write({ ok: null }, RESPONSE);
    break;
  }
  let reply: unknown;
  try {
    const value = await handle(req);
    reply = { ok: value === undefined ? null : value };
  } catch (e) {
    reply = { error: serializeError(e) };
  }
  if (!channel.write(reply, RESPONSE))
    channel.write(
      {
        error: {
          name: 'SandboxError',
          code: 'OUTPUT_TOO_LARGE',
          message: `the reply to ${req.op} does not fit the channel (${channel.capacity} bytes)`,
        },
      },
      RESPONSE,
    );
}
