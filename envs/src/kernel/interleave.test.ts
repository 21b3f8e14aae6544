import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EpisodeChain } from '../episode/chain.ts';
import { compileExpr } from '../spec/expr.ts';
import { makeEnv } from './env.ts';
import { Prng } from './prng.ts';
import { envSource } from './source.ts';
import type { Action } from './types.ts';

/**
 * The expression generator travels with each evaluation (no module-global bound per env): so
 * environments stepped in one thread, in any order, each draw from their own stream.
 */

/** Every step draws from `rand`: in an assignment, a guard and a reward. */
const drawSpec = (name: string) => ({
  specVersion: 1,
  name,
  version: '1.0.0',
  context: { initial: { x: 0, n: 0 } },
  tasks: { list: [{ id: 't', instructions: 'draw' }] },
  tools: [{ name: 'draw', description: 'draw a number', event: 'DRAW' }],
  machine: {
    initial: 'on',
    states: {
      on: {
        on: {
          DRAW: [{ guard: 'coin', actions: 'big' }, { actions: 'small' }],
        },
      },
    },
  },
  guards: { coin: { expr: 'rand(2) == 1' } },
  actions: {
    big: { assign: { x: 'x * 3 + rand(1000)', n: 'n + 1' } },
    small: { assign: { x: 'x + rand(10)', n: 'n + 1' } },
  },
  reward: { rules: [{ name: 'luck', when: 'rand(4) == 0', value: 1 }] },
  observation: { template: 'x={{context.x}}', json: { x: 'x', n: 'n' } },
  limits: { maxSteps: 50 },
});

const DRAW: Action = { tool: 'draw' };
const STEPS = 12;

test('rand() draws from the generator passed with the evaluation', () => {
  const f = compileExpr('rand(1000000)');
  const a = new Prng(1);
  const b = new Prng(2);
  const interleaved = [f({}, a), f({}, b), f({}, a), f({}, b)];
  const a2 = new Prng(1);
  const b2 = new Prng(2);
  assert.deepEqual(interleaved, [f({}, a2), f({}, b2), f({}, a2), f({}, b2)]);
  assert.notDeepEqual([interleaved[0], interleaved[2]], [interleaved[1], interleaved[3]]);
  assert.throws(() => f({}), /rand\(\) is only available while an environment steps/);
  // The generator rides on the activation for the evaluation only: afterwards the caller's object
  // holds no generator (its names are unchanged), and a frozen activation is not written at all.
  const act: Record<string | symbol, unknown> = { x: 1 };
  assert.equal(compileExpr('x + rand(1)')(act, a), 1);
  assert.deepEqual(Object.keys(act), ['x']);
  for (const s of Object.getOwnPropertySymbols(act)) assert.equal(act[s], undefined);
  assert.equal(compileExpr('x + rand(1)')(Object.freeze({ x: 2 }), a), 2);
});

test('two environments stepped in one thread in any interleaving give the episodes each gives alone', async () => {
  const sources = [envSource(drawSpec('draw-a')), envSource(drawSpec('draw-b'))];
  const envs = await Promise.all(sources.map((s) => makeEnv(s)));
  const seeds = [3, 4];
  const meta = (i: number) => ({
    spec: { name: sources[i]!.spec.name, version: '1.0.0' },
    seed: seeds[i]!,
    agent: 'draw',
  });

  /** Roots of each env's episode, stepping in the order of `schedule` (env index per step). */
  const play = (schedule: number[]): string[] => {
    const chains = envs.map((env, i) => {
      const c = new EpisodeChain();
      c.header(meta(i), env.reset({ seed: seeds[i]! }));
      return c;
    });
    for (const i of schedule) chains[i]!.step(DRAW, envs[i]!.step(DRAW));
    return chains.map((c) => c.root);
  };
  /** The root of env i alone after n steps. */
  const alone = (i: number, n: number) => play(Array(n).fill(i))[i]!;
  assert.notEqual(alone(0, STEPS), alone(1, STEPS));
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 * STEPS }),
      (schedule) => {
        const counts = [0, 1].map((i) => schedule.filter((k) => k === i).length);
        assert.deepEqual(play(schedule), [alone(0, counts[0]!), alone(1, counts[1]!)]);
      },
    ),
    { numRuns: 40 },
  );
  // A reset of one environment between another's steps changes nothing either.
  const a = new EpisodeChain();
  a.header(meta(0), envs[0]!.reset({ seed: seeds[0]! }));
  for (let k = 0; k < STEPS; k++) {
    envs[1]!.reset({ seed: 100 + k });
    envs[1]!.step(DRAW);
    a.step(DRAW, envs[0]!.step(DRAW));
  }
  assert.equal(a.root, alone(0, STEPS));
  for (const env of envs) env.close();
});
