import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { EnvStateError, SpecError } from '../errors.ts';
import { makeEnv } from './env.ts';
import { envSource } from './source.ts';
import type { Action } from './types.ts';

const tally = loadCatalog('tally');
const click = (times: number): Action => ({ tool: 'click', arguments: { times } });

/** A machine with a transient state, a re-entry, a parallel state and a truncating state that is not final. */
const shapes = {
  specVersion: 1,
  name: 'shapes',
  version: '1.0.0',
  tasks: { list: [{ id: 't' }] },
  tools: [
    { name: 'go', description: 'through the transient state b into c', event: 'GO' },
    { name: 'again', description: 're-enter a, landing in a.y', event: 'AGAIN' },
    { name: 'jam', description: 'jam the machine', event: 'JAM' },
  ],
  machine: {
    initial: 'a',
    states: {
      a: {
        initial: 'x',
        states: { x: {}, y: {} },
        on: { GO: 'b', AGAIN: { target: '.y', reenter: true }, JAM: 'jammed' },
      },
      b: { always: 'c' },
      c: {
        type: 'parallel',
        states: {
          p: { initial: 'p1', states: { p1: {} } },
          q: { initial: 'q1', states: { q1: {} } },
        },
      },
      jammed: { on: { GO: 'a' } },
    },
  },
  truncateOn: ['jammed'],
  reward: {
    rules: [
      { name: 'through b', onEnter: 'b', value: 1, transient: true },
      { name: 'stable b', onEnter: 'b', value: 100 },
      { name: 'into a again', onEnter: 'a', value: 0.5, transient: true },
    ],
  },
  observation: { template: '{{state}}' },
};

describe('info.entered: every state entered during the step', () => {
  test('untracked (the default, without transient rules), steps carry no info.entered', async () => {
    const plain = structuredClone(shapes) as typeof shapes;
    plain.reward.rules = plain.reward.rules.filter((r) => !('transient' in r));
    const env = await makeEnv(envSource(plain, {}));
    env.reset({ seed: 0 });
    assert.equal('entered' in env.step({ tool: 'go' }).info, false);
    env.close();
  });

  test('transient states, re-entries and parallel regions, as dotted paths in entry order', async () => {
    const env = await makeEnv(envSource(shapes, {}), { trackEntries: true });
    const reset = env.reset({ seed: 0 });
    assert.equal('entered' in reset.info, false, 'the reset info has no new field');
    const again = env.step({ tool: 'again' });
    assert.deepEqual(again.info.entered, ['a', 'a.y']);
    const go = env.step({ tool: 'go' });
    assert.deepEqual(go.info.entered, ['b', 'c', 'c.p', 'c.p.p1', 'c.q', 'c.q.q1']);
    assert.deepEqual(go.info.state, ['c', 'c.p', 'c.p.p1', 'c.q', 'c.q.q1']);
    env.close();
  });

  test('an invalid action enters nothing', async () => {
    const env = await makeEnv(envSource(shapes, {}), { trackEntries: true });
    env.reset({ seed: 0 });
    assert.deepEqual(env.step({ tool: 'nope' }).info.entered, []);
    env.close();
  });
});

describe('transient onEnter rewards (opt-in)', () => {
  test('a state left at once by `always` pays a transient rule, not a plain onEnter rule', async () => {
    const env = await makeEnv(envSource(shapes, {}));
    env.reset({ seed: 0 });
    const go = env.step({ tool: 'go' });
    assert.deepEqual(go.info.rewardComponents, [{ name: 'through b', micros: 1_000_000 }]);
    env.close();
  });

  test('a re-entered state pays a transient rule (XState entered it again)', async () => {
    const env = await makeEnv(envSource(shapes, {}));
    env.reset({ seed: 0 });
    assert.deepEqual(env.step({ tool: 'again' }).info.rewardComponents, [
      { name: 'into a again', micros: 500_000 },
    ]);
    env.close();
  });

  test('tally: the halfway bonus is paid once, on the click that reaches half the target', async () => {
    const env = await makeEnv(tally);
    env.reset({ seed: 0, taskIndex: 3 }); // count to 30: half is 15
    const rewards = [click(9), click(9), click(9)].map((a) => env.step(a));
    assert.deepEqual(
      rewards.map((r) => r.info.rewardMicros),
      [0, 100_000, 0],
    );
    assert.deepEqual(rewards[1]!.info.entered, ['checking', 'halfway', 'counting']);
    assert.deepEqual(rewards[1]!.info.state, ['counting']);
    env.close();
  });

  test('"transient" belongs to onEnter rules only', () => {
    const spec = structuredClone(shapes) as { reward: { rules: unknown[] } };
    spec.reward.rules = [{ perStep: 1, transient: true }];
    assert.throws(
      () => envSource(spec, {}),
      (e: unknown) =>
        e instanceof SpecError &&
        e.issues.some(
          (i) => i.path === '$.reward.rules[0].transient' && /only applies to onEnter/.test(i.message),
        ),
    );
  });
});

describe('truncation decided by the statechart: truncateOn (opt-in)', () => {
  test('a truncating final state ends the episode truncated, not terminated', async () => {
    const env = await makeEnv(tally);
    env.reset({ seed: 0, taskIndex: 2 }); // count to 95
    let r = env.step(click(9));
    for (let i = 0; i < 20 && !r.terminated && !r.truncated; i++) r = env.step(click(9));
    assert.deepEqual(r.info.state, ['overflow']);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, true);
    assert.equal(r.info.step, 12, '12 × 9 = 108 > 99: well before maxSteps (40)');
    // Rewards see it: the overflow penalty and the halfway bonus are the whole return.
    assert.deepEqual(r.info.rewardComponents, [{ name: 'overflow', micros: -500_000 }]);
    assert.throws(
      () => env.step(click(1)),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_AFTER_END',
    );
    env.close();
  });

  test('a truncating state need not be final; reaching the right count still terminates', async () => {
    const env = await makeEnv(envSource(shapes, {}));
    env.reset({ seed: 0 });
    const jam = env.step({ tool: 'jam' });
    assert.equal(jam.truncated, true);
    assert.equal(jam.terminated, false);
    env.close();
    const counter = await makeEnv(tally);
    counter.reset({ seed: 0, taskIndex: 3 });
    for (let i = 0; i < 3; i++) counter.step(click(9));
    counter.step(click(3));
    const done = counter.step({ text: '30' });
    assert.deepEqual([done.terminated, done.truncated, done.info.state], [true, false, ['right']]);
    counter.close();
  });

  test('an unknown state in truncateOn is refused with its path', async () => {
    const spec = structuredClone(shapes) as { truncateOn: string[] };
    spec.truncateOn = ['a.x', 'nowhere'];
    await assert.rejects(
      async () => makeEnv(envSource(spec, {})),
      (e: unknown) => e instanceof SpecError && e.issues.some((i) => i.path === '$.truncateOn[1]'),
    );
  });

  test('specs without the new fields validate to the same object (no defaults: bundle ids unchanged)', () => {
    for (const name of ['frozen-lake', 'refund-desk', 'wildlife-survey']) {
      const spec = loadCatalog(name).spec as Record<string, unknown> & { reward: { rules: object[] } };
      assert.equal('truncateOn' in spec, false, name);
      assert.ok(
        spec.reward.rules.every((r) => !('transient' in r)),
        name,
      );
    }
  });
});
