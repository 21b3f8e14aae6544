import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { makeEnv } from './env.ts';
import type { EnvHandle } from './open.ts';
import { openEnv } from './open.ts';
import { type EnvSource, envSource } from './source.ts';
import type { Action } from './types.ts';
import { VectorEnv } from './vector.ts';

/**
 * Module state can never outlive an episode: whatever an environment's code keeps at its top level
 * — a counter, a closure, a Map or an array made at load, state in a module it imports — starts
 * over at every reset, and task generation never sees it. So an episode is the same in a used
 * environment as in a fresh one, in a vector env beside other sub-envs, and in a worker. (Each of
 * these tests fails when one sandbox carries module state from episode to episode.)
 */
const files = {
  'state.js': 'let calls = 0;\nexport function bump() { return ++calls; }',
  'logic.js': `import { bump } from './state.js';
let counter = 0;
const next = (() => { let k = 0; return () => ++k; })();
const seen = new Map();
const log = [];
export function tick() {
  counter += 1;
  seen.set(seen.size, true);
  log.push(counter);
  return { counter, closure: next(), map: seen.size, array: log.length, imported: bump(), draw: Math.floor(Math.random() * 1000) };
}
export function generate({ index }) {
  counter += 1;
  return { id: 'task-' + index + '-' + counter, instructions: 'tick ' + bump(), context: { counter: 0 } };
}`,
};

const spec = {
  specVersion: 1,
  name: 'stateful',
  version: '0.1.0',
  context: { initial: { counter: 0, closure: 0, map: 0, array: 0, imported: 0, draw: 0 } },
  tasks: { module: 'logic.js#generate', count: 5 },
  tools: [{ name: 'tick', description: 'count once more', event: 'TICK' }],
  machine: { initial: 'on', states: { on: { on: { TICK: { actions: 'tick' } } } } },
  actions: { tick: { module: 'logic.js#tick' } },
  reward: { rules: [{ perStep: -0.1 }] },
  observation: { template: 'counter={{counter}}' },
  limits: { maxSteps: 3 },
};
const source = envSource(spec, files);
const tick: Action = { tool: 'tick' };

type Env = Pick<EnvHandle, 'reset' | 'step'>;
/** An episode as data: the reset, then each step until it ends (or `max` steps). */
function play(env: Env, seed: number, actions: (i: number) => Action, max = 50): unknown[] {
  const out: unknown[] = [env.reset({ seed })];
  for (let i = 0; i < max; i++) {
    const s = env.step(actions(i));
    out.push(s);
    if (s.terminated || s.truncated) break;
  }
  return out;
}
const ticks = () => tick;

describe('module state never outlives an episode', () => {
  test('every kind of module state starts over at each reset (the first step reads 1 everywhere)', async () => {
    const env = await makeEnv(source);
    for (const seed of [0, 1, 2]) {
      env.reset({ seed });
      const first = env.step(tick).observation.json as { context: Record<string, number> };
      const { counter, closure, map, array, imported } = first.context;
      assert.deepEqual(
        { counter, closure, map, array, imported },
        { counter: 1, closure: 1, map: 1, array: 1, imported: 1 },
      );
      const second = env.step(tick).observation.json as { context: Record<string, number> };
      assert.equal(second.context.counter, 2, 'within an episode, state carries on');
    }
    env.close();
  });

  test('a generated task depends on its index alone, not on earlier episodes or on how it was found', async () => {
    const env = await makeEnv(source);
    const seen = [0, 1, 2, 3, 4].map((taskIndex) => env.reset({ seed: 9, taskIndex }).info);
    assert.deepEqual(
      seen.map((i) => [i.taskId, i.instructions]),
      [0, 1, 2, 3, 4].map((i) => [`task-${i}-1`, 'tick 1']),
    );
    // By id: the scan generates tasks 0…3 first; the episode is still the one by index.
    const fresh = await makeEnv(source);
    assert.deepEqual(
      play(env, 4, ticks).slice(1),
      play(fresh, 4, ticks).slice(1),
      'the same seed after a scan by id and in a fresh env',
    );
    const byId = env.reset({ seed: 4, taskId: 'task-3-1' });
    const byIndex = fresh.reset({ seed: 4, taskIndex: 3 });
    assert.deepEqual(byId, byIndex);
    assert.deepEqual(env.step(tick), fresh.step(tick));
    env.close();
    fresh.close();
  });

  for (const name of ['stateful', 'frozen-lake-js', 'refund-desk'] as const) {
    test(`${name}: the same seed in a used env equals a fresh env, bit for bit`, async () => {
      const src: EnvSource = name === 'stateful' ? source : loadCatalog(name);
      const actions = actionsFor(src);
      const used = await makeEnv(src);
      for (let seed = 0; seed < 6; seed++) play(used, seed, actions);
      for (const seed of [3, 0, 11]) {
        const fresh = await makeEnv(src);
        assert.deepEqual(play(used, seed, actions), play(fresh, seed, actions), `seed ${seed}`);
        fresh.close();
      }
      used.close();
    });
  }

  test('a vector env: each sub-env plays the episode a fresh env plays, whatever its neighbours ran', async () => {
    const n = 3;
    const v = await VectorEnv.create(source, n, 'disabled');
    v.reset({ seed: 20 });
    const steps: unknown[][] = Array.from({ length: n }, () => []);
    for (let t = 0; t < 3; t++) {
      const r = v.step(Array.from({ length: n }, () => tick));
      for (let i = 0; i < n; i++) steps[i]!.push(r.observations[i]);
    }
    for (let i = 0; i < n; i++) {
      const fresh = await makeEnv(source);
      const alone = play(fresh, 20 + i, ticks)
        .slice(1)
        .map((s) => (s as { observation: unknown }).observation);
      assert.deepEqual(steps[i], alone, `sub-env ${i}`);
      fresh.close();
    }
    // Their next episodes start over too.
    assert.ok(v.resetDone().every((info) => info !== undefined));
    const r = v.step([tick, tick, tick]);
    assert.deepEqual(
      r.observations.map((o) => (o.json as { context: { counter: number } }).context.counter),
      [1, 1, 1],
    );
    v.close();
  });

  test('an isolated env (openEnv with isolate: true): a used worker plays what a fresh one plays', async () => {
    const used = await openEnv(source, { isolate: true });
    for (let seed = 0; seed < 3; seed++) play(used, seed, ticks);
    const fresh = await openEnv(source, { isolate: true });
    assert.deepEqual(play(used, 1, ticks), play(fresh, 1, ticks));
    assert.deepEqual(play(used, 7, ticks), play(fresh, 7, ticks));
    used.close();
    fresh.close();
  });

  test('restoring a snapshot starts the rest of the episode from the loaded modules, the same way every time', async () => {
    const a = await makeEnv(source);
    a.reset({ seed: 5 });
    a.step(tick);
    const snap = a.snapshot();
    a.step(tick);
    a.step(tick);
    const b = await makeEnv(source);
    a.restore(snap);
    b.restore(snap);
    const fromA = a.step(tick);
    assert.deepEqual(fromA, b.step(tick));
    // Module state is not in a snapshot: the restored episode's code counts from 1 again.
    assert.equal((fromA.observation.json as { context: { counter: number } }).context.counter, 1);
    a.close();
    b.close();
  });
});

/** Actions for an episode of `src`: ticks, moves, or a fixed refund-desk script. */
function actionsFor(src: EnvSource): (i: number) => Action {
  if (src.spec.name === 'frozen-lake-js') {
    const dirs = ['down', 'right', 'down', 'right', 'left', 'up'];
    return (i) => ({ tool: 'move', arguments: { direction: dirs[i % dirs.length]! } });
  }
  if (src.spec.name === 'refund-desk') {
    const script: Action[] = [
      { tool: 'lookup_order', arguments: { orderId: 'A-1000' } },
      { text: 'Let me check that for you.' },
      { tool: 'lookup_order', arguments: { orderId: 'nope' } },
    ];
    return (i) => script[i % script.length]!;
  }
  return ticks;
}
