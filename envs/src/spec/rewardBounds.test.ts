import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { catalogNames, loadCatalog } from '../../catalog/index.ts';
import { makeEnv } from '../kernel/env.ts';
import { Prng } from '../kernel/prng.ts';
import { sampleAction } from '../kernel/sample.ts';
import { envSource } from '../kernel/source.ts';
import type { Action } from '../kernel/types.ts';
import { parseSpec } from './parse.ts';
import { deriveRewardBounds } from './rewardBounds.ts';

/** A ladder: UP and DOWN between rungs, JUMP to the top, `always` through a transient rung. */
function ladder(
  rules: unknown[],
  limits: Record<string, number> = {},
  bounds?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests edit the spec at paths of their choosing
): Record<string, any> {
  return {
    specVersion: 1,
    name: 'ladder',
    version: '1.0.0',
    context: { initial: { n: 0 } },
    tasks: { list: [{ id: 'l', instructions: 'climb' }] },
    tools: [
      {
        name: 'up',
        description: 'one rung up',
        parameters: { type: 'object', properties: { care: { type: 'integer', minimum: 0, maximum: 3 } } },
        event: 'UP',
      },
      { name: 'down', description: 'one rung down', event: 'DOWN' },
      { name: 'jump', description: 'jump for the top', event: 'JUMP' },
    ],
    machine: {
      initial: 'r0',
      states: {
        r0: { on: { UP: 'r1', JUMP: 'fall' } },
        r1: { on: { UP: 'slide', DOWN: 'r0', JUMP: 'top' } },
        slide: { always: 'r2' },
        r2: { on: { UP: 'top', DOWN: 'r1' } },
        top: { type: 'final' },
        fall: { type: 'final' },
      },
    },
    reward: { rules, ...(bounds ? { bounds } : {}) },
    observation: { template: 'climbing' },
    limits,
  };
}

test('constant rules give exact bounds; a final state pays once, not once per step', () => {
  const spec = parseSpec(ladder([{ onEnter: 'top', value: 1 }, { perStep: -0.01 }], { maxSteps: 50 }));
  assert.deepEqual(deriveRewardBounds(spec), { min: -0.5, max: 1 });
  // The same value on a state that can be entered again pays up to once per step.
  const again = parseSpec(ladder([{ onEnter: 'r1', value: 0.25 }], { maxSteps: 8 }));
  assert.deepEqual(deriveRewardBounds(again), { min: 0, max: 2 });
  // An invalid action pays the penalty (and perStep), nothing else.
  const penalised = parseSpec(
    ladder([{ when: 'n > 2.0', value: 0.5 }, { perStep: 0.1 }], { maxSteps: 4, invalidActionPenalty: -1 }),
  );
  assert.deepEqual(deriveRewardBounds(penalised), { min: -3.6, max: 2.4 });
  // Two final states: only one of them is ever entered.
  const two = parseSpec(
    ladder(
      [
        { onEnter: 'top', value: 1 },
        { onEnter: 'fall', value: -2 },
      ],
      { maxSteps: 5 },
    ),
  );
  assert.deepEqual(deriveRewardBounds(two), { min: -2, max: 1 });
});

test('rules whose value is known only when they run give no bounds', () => {
  assert.equal(deriveRewardBounds(parseSpec(ladder([{ expr: 'n * 1.0' }]))), undefined);
  const withModule = ladder([{ module: 'r.js#reward' }]);
  assert.equal(
    deriveRewardBounds(parseSpec(withModule, { 'r.js': 'export function reward() { return 1; }' })),
    undefined,
  );
});

test('an explicit id that shadows a final key is not mistaken for the final state', () => {
  const spec = ladder([{ onEnter: 'top', value: 1 }], { maxSteps: 3 });
  spec.machine.states.r2.id = 'top'; // the kernel resolves onEnter by id first: r2, enterable again
  assert.deepEqual(deriveRewardBounds(parseSpec(spec)), { min: 0, max: 3 });
});

test('parseSpec derives bounds for specs without them and keeps declared ones', () => {
  const derived = parseSpec(ladder([{ onEnter: 'top', value: 1 }, { perStep: -0.1 }], { maxSteps: 10 }));
  assert.deepEqual(derived.reward.bounds, { min: -1, max: 1 });
  const declared = parseSpec(ladder([{ onEnter: 'top', value: 1 }], {}, { min: 0, max: 0.9 }));
  assert.deepEqual(declared.reward.bounds, { min: 0, max: 0.9 });
  assert.equal(parseSpec(ladder([{ expr: '1.0' }])).reward.bounds, undefined);
});

test('the catalog declares bounds, so loading derives nothing (bundle ids stay the same)', () => {
  for (const name of catalogNames()) {
    const spec = loadCatalog(name).spec;
    assert.ok(spec.reward.bounds, `${name} declares reward.bounds`);
  }
});

const TOOLS = ['up', 'down', 'jump'];

test('property: derived bounds hold for every episode the kernel plays (valid, invalid and text actions)', async () => {
  const value = fc.double({ min: -2, max: 2, noNaN: true }).map((v) => Math.round(v * 1000) / 1000);
  const state = fc.constantFrom('r0', 'r1', 'slide', 'r2', 'top', 'fall');
  const rule = fc.oneof(
    fc.record({ perStep: value }),
    fc.record({ onEnter: state, value }),
    fc.record({ onEnter: state, value, transient: fc.constant(true) }),
    fc.record({ when: fc.constantFrom('n >= 0.0', 'step > 2', "'r2' in state"), value }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(rule, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 12 }),
      value,
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      async (rules, maxSteps, invalidActionPenalty, seed) => {
        const spec = parseSpec(ladder(rules, { maxSteps, invalidActionPenalty }));
        const bounds = deriveRewardBounds(spec)!;
        assert.deepEqual(spec.reward.bounds, bounds, 'parseSpec applied the derived bounds');
        const env = await makeEnv(envSource(spec));
        const rng = new Prng(seed);
        try {
          for (let episode = 0; episode < 4; episode++) {
            env.reset({ seed: seed + episode });
            let micros = 0;
            for (let done = false; !done; ) {
              const roll = rng.int(10);
              const action: Action =
                roll === 0
                  ? { text: 'hello' }
                  : roll === 1
                    ? { tool: 'fly' }
                    : roll === 2
                      ? { tool: 'up', arguments: { care: 9 } }
                      : { tool: TOOLS[rng.int(TOOLS.length)]! };
              const r = env.step(roll > 5 ? sampleAction(spec, rng) : action);
              micros += r.info.rewardMicros;
              done = r.terminated || r.truncated;
            }
            assert.ok(
              micros >= bounds.min * 1e6 && micros <= bounds.max * 1e6,
              `return ${micros / 1e6} outside the derived [${bounds.min}, ${bounds.max}] for ${JSON.stringify(spec.reward.rules)}`,
            );
          }
        } finally {
          env.close();
        }
      },
    ),
    { numRuns: 60, seed: 11 },
  );
});

test('the derived bound is reached where the rules allow it (it is tight for a per-step rule)', async () => {
  const spec = parseSpec(ladder([{ perStep: 0.5 }, { onEnter: 'top', value: 1 }], { maxSteps: 3 }));
  assert.deepEqual(spec.reward.bounds, { min: 0, max: 2.5 });
  const env = await makeEnv(envSource(spec));
  env.reset({ seed: 1 });
  const rewards = ['down', 'up', 'jump'].map((tool) => env.step({ tool }).info.rewardMicros);
  env.close();
  assert.deepEqual(rewards, [500_000, 500_000, 1_500_000]);
});
