import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvCodeError, EnvStateError } from '../errors.ts';
import { ACTION_MAX_DEPTH, checkActionSize } from './actionSize.ts';
import { makeEnv } from './env.ts';
import { faultOf } from './fault.ts';
import { openEnv } from './open.ts';
import { envSource } from './source.ts';

const LIMIT = 1000;

/** Replies are kept in the context and shown back: the agent decides how large the observation is. */
function echoSpec(observation: Record<string, unknown>) {
  return {
    specVersion: 1,
    name: 'echo',
    version: '1.0.0',
    context: { initial: { said: '' } },
    tasks: { list: [{ id: 't', instructions: 'say something' }] },
    tools: [
      {
        name: 'note',
        description: 'take a note',
        parameters: { type: 'object', properties: { tag: { type: 'string' } } },
        event: 'NOTE',
      },
    ],
    machine: {
      initial: 'talking',
      on: { REPLY: { actions: 'hear' }, NOTE: { target: '.talking' } },
      states: { talking: {} },
    },
    actions: { hear: { assign: { said: 'event.text' } } },
    observation,
    limits: { maxObservationBytes: LIMIT },
  };
}
const twice = echoSpec({ template: '{{said}}|{{said}}' });
const files = {
  'obs.js': 'export function show({ context }) { return { text: context.said + context.said } }',
};

const isCode = (code: string) => (e: unknown) => e instanceof EnvCodeError && e.code === code;

/** `{ text }` whose JSON is exactly `n` characters. */
const replyOf = (n: number) => ({ text: 'x'.repeat(n - '{"text":""}'.length) });

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('an action too large to be anything but an attack ends the episode (ACTION_TOO_LARGE)', () => {
  test('a reply longer than maxObservationBytes: ACTION_TOO_LARGE, an agent fault, the env failed', async () => {
    const env = await makeEnv(envSource(twice, {}));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step(replyOf(LIMIT + 1)),
      (e: unknown) => {
        assert.ok(isCode('ACTION_TOO_LARGE')(e));
        assert.equal(faultOf((e as EnvCodeError).code), 'agent');
        assert.equal((e as EnvCodeError).details.step, 1);
        assert.equal((e as EnvCodeError).details.limit, LIMIT);
        assert.equal((e as EnvCodeError).details.size, LIMIT + 1);
        assert.equal((e as Error).message, 'the action is 1001 characters of JSON; the limit is 1000');
        return true;
      },
    );
    assert.throws(
      () => env.step({ text: 'hi' }),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_AFTER_FAILURE',
    );
    env.close();
  });

  test('it wins over OBSERVATION_TOO_LARGE (checked before the action reaches the statechart)', async () => {
    // Echoed twice, this reply would also make the observation too large.
    const env = await makeEnv(envSource(twice, {}));
    env.reset({ seed: 0 });
    assert.throws(() => env.step(replyOf(LIMIT + 1)), isCode('ACTION_TOO_LARGE'));
    env.close();
  });

  test('an action of exactly the limit is an ordinary action', async () => {
    const env = await makeEnv(envSource(echoSpec({ template: 'ok', json: {} }), {}));
    env.reset({ seed: 0 });
    assert.equal(env.step(replyOf(LIMIT)).observation.text, 'ok');
    env.close();
  });

  test('a 100,000-deep argument is refused as ACTION_TOO_LARGE, not a stack overflow', async () => {
    const env = await makeEnv(envSource(twice, {}));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step({ tool: 'note', arguments: { tag: nested(100_000) as string } }),
      (e: unknown) => isCode('ACTION_TOO_LARGE')(e) && /deeper than 32/.test((e as Error).message),
    );
    env.close();
    // The bound: ACTION_MAX_DEPTH levels pass, one more does not.
    const spec = { limits: { maxObservationBytes: 1e6 } } as never;
    checkActionSize(spec, { tool: 'note', arguments: { tag: nested(ACTION_MAX_DEPTH - 2) } }, 1);
    assert.throws(
      () => checkActionSize(spec, { tool: 'note', arguments: { tag: nested(ACTION_MAX_DEPTH - 1) } }, 1),
      isCode('ACTION_TOO_LARGE'),
    );
  });

  test('in the isolated worker the code crosses the thread, so the fault stays the agent’s', async () => {
    const env = await openEnv(envSource(twice, {}), { isolate: true });
    env.reset({ seed: 0 });
    assert.throws(() => env.step(replyOf(2 * LIMIT)), isCode('ACTION_TOO_LARGE'));
    env.close();
  });
});

describe('oversized observations keep the code OBSERVATION_TOO_LARGE (an agent fault)', () => {
  test('a template that shows the agent’s reply twice', async () => {
    const env = await makeEnv(envSource(twice, {}));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step(replyOf(600)),
      (e: unknown) =>
        isCode('OBSERVATION_TOO_LARGE')(e) &&
        (e as EnvCodeError).details.path === '$.limits.maxObservationBytes' &&
        (e as EnvCodeError).details.step === 1,
    );
    env.close();
  });

  test('an observation module whose output the sandbox caps (its OUTPUT_TOO_LARGE is renamed)', async () => {
    const env = await makeEnv(envSource(echoSpec({ module: 'obs.js#show' }), files));
    env.reset({ seed: 0 });
    assert.throws(() => env.step(replyOf(600)), isCode('OBSERVATION_TOO_LARGE'));
    env.close();
  });

  test('the structured part (observation.json) is held to the same limit', async () => {
    const env = await makeEnv(envSource(echoSpec({ template: 'ok', json: { a: 'said', b: 'said' } }), {}));
    env.reset({ seed: 0 });
    assert.throws(() => env.step(replyOf(600)), isCode('OBSERVATION_TOO_LARGE'));
    env.close();
  });
});
