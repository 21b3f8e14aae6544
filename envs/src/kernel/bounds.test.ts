import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { EnvCodeError, EnvStateError, SandboxError } from '../errors.ts';
import { makeEnv } from './env.ts';
import { faultOf } from './fault.ts';
import { envSource } from './source.ts';
import type { Action } from './types.ts';

const lake = loadCatalog('frozen-lake');
const left: Action = { tool: 'move', arguments: { direction: 'left' } };

/** frozen-lake with extra reward rules and bounds: the "+5 per step, bounds [0, 1]". */
function lakeWith(
  rules: unknown[],
  bounds: { min: number; max: number },
  files: Record<string, string> = {},
) {
  const spec = structuredClone(lake.spec) as unknown as Record<string, unknown> & {
    reward: { rules: unknown[] };
  };
  spec.reward = { rules: [...spec.reward.rules, ...rules], bounds } as never;
  return envSource(spec, files);
}

describe('reward bounds are enforced at run time', () => {
  test('+5 per step with bounds [0, 1]: the first step throws REWARD_OUT_OF_BOUNDS, an environment fault', async () => {
    const env = await makeEnv(lakeWith([{ perStep: 5 }], { min: 0, max: 1 }));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step(left),
      (e: unknown) => {
        assert.ok(e instanceof EnvCodeError);
        assert.equal(e.code, 'REWARD_OUT_OF_BOUNDS');
        assert.equal(faultOf(e.code), 'environment');
        assert.deepEqual(e.details, {
          path: '$.reward.bounds',
          step: 1,
          return: 5,
          returnMicros: 5_000_000,
          bounds: { min: 0, max: 1 },
        });
        assert.match(e.message, /\$\.reward\.bounds.*step 1.*return is 5.*\[0, 1\]/);
        assert.match(e.hint!, /widen \$\.reward\.bounds|fix the reward rules/);
        return true;
      },
    );
    // The episode is over: it failed, and says so.
    assert.throws(
      () => env.step(left),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_AFTER_FAILURE',
    );
    env.close();
  });

  test('the running return is held to the bounds after every step, in exact micro-units', async () => {
    // 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats: in micro-units it is exactly 300000,
    // within [0, 0.3]; the fourth step leaves the bounds.
    const env = await makeEnv(lakeWith([{ perStep: 0.1 }], { min: 0, max: 0.3 }));
    env.reset({ seed: 0 });
    for (let i = 0; i < 3; i++) env.step(left);
    assert.throws(
      () => env.step(left),
      (e: unknown) =>
        e instanceof EnvCodeError &&
        e.code === 'REWARD_OUT_OF_BOUNDS' &&
        e.details.step === 4 &&
        e.details.returnMicros === 400_000,
    );
    env.close();
  });

  test('a prefix outside the bounds fails even if the episode could come back inside them', async () => {
    // -1 on the first step, bounds [0, 1]: truncated there, the return would be -1.
    const env = await makeEnv(lakeWith([{ when: 'step == 1', value: -1 }], { min: 0, max: 1 }));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step(left),
      (e: unknown) =>
        e instanceof EnvCodeError && e.code === 'REWARD_OUT_OF_BOUNDS' && e.details.return === -1,
    );
    env.close();
  });

  test('the running return survives snapshot → restore into a fresh env', async () => {
    const source = lakeWith([{ perStep: 0.1 }], { min: 0, max: 0.3 });
    const a = await makeEnv(source);
    a.reset({ seed: 0 });
    a.step(left);
    a.step(left);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    assert.equal(snap.returnMicros, 200_000);
    const b = await makeEnv(source);
    b.restore(snap);
    b.step(left);
    assert.throws(
      () => b.step(left),
      (e: unknown) => e instanceof EnvCodeError && e.code === 'REWARD_OUT_OF_BOUNDS' && e.details.step === 4,
    );
    a.close();
    b.close();
  });

  test('without declared bounds nothing is checked', async () => {
    const spec = structuredClone(lake.spec) as unknown as { reward: { bounds?: unknown } };
    delete spec.reward.bounds;
    const env = await makeEnv(envSource({ ...spec, reward: { rules: [{ perStep: 5 }] } }, {}));
    env.reset({ seed: 0 });
    assert.equal(env.step(left).reward, 5);
    env.close();
  });
});

describe('a reward rule that gives a non-number names its rule', () => {
  test('expr: BAD_REWARD with $.reward.rules[i] in the message and details.path', async () => {
    const env = await makeEnv(lakeWith([{ expr: "'five'" }], { min: 0, max: 1 }));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step(left),
      (e: unknown) => {
        assert.ok(e instanceof EnvCodeError);
        assert.equal(e.code, 'BAD_REWARD');
        assert.equal(e.details.path, '$.reward.rules[1]');
        assert.equal(e.details.step, 1);
        assert.match(e.message, /^\$\.reward\.rules\[1\] .*must give a number, got "five"/);
        assert.match(e.hint!, /number/);
        return true;
      },
    );
    env.close();
  });

  test('module: BAD_REWARD names the rule; an exception in it carries the rule path too', async () => {
    const files = {
      'r.js': "export function word() { return 'five' }\nexport function boom() { throw new Error('no') }",
    };
    const word = await makeEnv(lakeWith([{ module: 'r.js#word' }], { min: 0, max: 1 }, files));
    word.reset({ seed: 0 });
    assert.throws(
      () => word.step(left),
      (e: unknown) =>
        e instanceof EnvCodeError &&
        e.code === 'BAD_REWARD' &&
        e.details.path === '$.reward.rules[1]' &&
        /\$\.reward\.rules\[1\].*r\.js#word must return a number, got "five"/.test(e.message),
    );
    word.close();
    const boom = await makeEnv(lakeWith([{ module: 'r.js#boom' }], { min: 0, max: 1 }, files));
    boom.reset({ seed: 0 });
    assert.throws(
      () => boom.step(left),
      (e: unknown) => e instanceof SandboxError && e.details.path === '$.reward.rules[1].module',
    );
    boom.close();
  });
});
