import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadCatalog } from '../../catalog/index.ts';
import { EnvCodeError, EnvStateError, SandboxError, SpecError } from '../errors.ts';
import { type Env, makeEnv } from './env.ts';
import { envSource } from './source.ts';
import type { Action } from './types.ts';

const lake = loadCatalog('frozen-lake');
const DIRS = ['left', 'down', 'right', 'up'] as const;
const move = (d: number): Action => ({ tool: 'move', arguments: { direction: DIRS[d % 4]! } });

function play(env: Env, seed: number, actions: Action[]) {
  const out: unknown[] = [env.reset({ seed })];
  for (const a of actions) {
    const s = env.step(a);
    out.push(s);
    if (s.terminated || s.truncated) break;
  }
  return out;
}

/** A small spec with nested and parallel states, a text-reply handler and a step counter. */
const counterSpec = {
  specVersion: 1,
  name: 'counter',
  version: '0.1.0',
  context: { initial: { n: 0, said: '' } },
  tasks: { list: [{ id: 't0', instructions: 'count to 3' }] },
  tools: [
    {
      name: 'inc',
      description: 'add k',
      parameters: { type: 'object', properties: { k: { type: 'integer', minimum: 1 } }, required: ['k'] },
      event: 'INC',
    },
    { name: 'toggle', description: 'flip the lamp', event: 'TOGGLE' },
  ],
  machine: {
    type: 'parallel',
    states: {
      count: {
        initial: 'low',
        states: {
          low: { on: { INC: { actions: 'add' } }, always: { guard: 'reached', target: 'high' } },
          high: { type: 'final' },
        },
      },
      lamp: {
        initial: 'off',
        states: { off: { on: { TOGGLE: 'on' } }, on: { on: { TOGGLE: 'off' }, type: 'final' } },
      },
    },
    on: { REPLY: { actions: 'hear' } },
  },
  guards: { reached: { expr: 'n >= 3.0' } },
  actions: { add: { assign: { n: 'n + event.k' } }, hear: { assign: { said: 'event.text' } } },
  reward: {
    rules: [
      { onEnter: 'count.high', value: 1 },
      { perStep: -0.1 },
      { when: "said == 'hi'", value: 0.5, name: 'greeted' },
    ],
  },
  observation: { template: 'n={{n}} state={{state}}' },
  limits: { maxSteps: 5, invalidActionPenalty: -0.25 },
};

describe('Env (Gymnasium semantics)', () => {
  test('step before reset and step after the end throw typed errors', async () => {
    const env = await makeEnv(lake);
    assert.throws(
      () => env.step(move(0)),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_BEFORE_RESET',
    );
    env.reset({ seed: 3 });
    let s: ReturnType<typeof env.step>;
    do s = env.step(move(1));
    while (!s.terminated && !s.truncated);
    assert.throws(
      () => env.step(move(1)),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_AFTER_END',
    );
    assert.doesNotThrow(() => env.reset({ seed: 4 }));
  });

  test('terminated (final state) and truncated (maxSteps) are separate', async () => {
    const env = await makeEnv(envSource(counterSpec));
    env.reset({ seed: 0 });
    for (let i = 0; i < 4; i++) assert.equal(env.step({ tool: 'toggle' }).truncated, false);
    const last = env.step({ tool: 'toggle' });
    assert.deepEqual([last.terminated, last.truncated], [false, true]);
    env.reset({ seed: 0 });
    env.step({ tool: 'inc', arguments: { k: 3 } });
    const end = env.step({ tool: 'toggle' });
    assert.deepEqual(
      [end.terminated, end.truncated],
      [true, false],
      'a parallel root is done when every region is final',
    );
  });

  test('nested + parallel states, onEnter/perStep/when rewards in exact micro-units', async () => {
    const env = await makeEnv(envSource(counterSpec));
    env.reset({ seed: 0 });
    const a = env.step({ tool: 'inc', arguments: { k: 2 } });
    assert.equal(a.info.rewardMicros, -100_000);
    const b = env.step({ tool: 'inc', arguments: { k: 1 } });
    assert.deepEqual(b.info.state, ['count', 'count.high', 'lamp', 'lamp.off']);
    assert.equal(b.info.rewardMicros, 900_000);
    assert.equal(b.reward, 0.9);
    const c = env.step({ text: 'hi' });
    assert.deepEqual(
      c.info.rewardComponents.map((x) => x.name),
      ['per step', 'greeted'],
    );
    assert.equal(c.observation.text, 'n=3 state=count count.high lamp lamp.off');
  });

  test('an invalid action is an error observation and a penalty; the episode goes on', async () => {
    const env = await makeEnv(envSource(counterSpec));
    env.reset({ seed: 0 });
    const unknown = env.step({ tool: 'fly' });
    assert.equal(unknown.info.invalidAction?.code, 'UNKNOWN_TOOL');
    assert.match(unknown.observation.text, /^Error: there is no tool "fly"; the tools are: inc, toggle/);
    assert.equal(unknown.reward, -0.35, 'the per-step cost still applies, plus the penalty');
    assert.deepEqual(
      unknown.info.rewardComponents.map((c) => c.name),
      ['per step', 'invalid action'],
    );
    const bad = env.step({ tool: 'inc', arguments: { k: 0 } });
    assert.equal(bad.info.invalidAction?.code, 'INVALID_ARGUMENTS');
    assert.match(bad.observation.text, /\/k must be >= 1/);
    const malformed = env.step(null as unknown as Action);
    assert.equal(malformed.info.invalidAction?.code, 'MALFORMED_ACTION');
    const ok = env.step({ tool: 'inc', arguments: { k: 1 } });
    assert.equal(ok.info.invalidAction, undefined);
    assert.equal(ok.info.step, 4, 'invalid actions count as steps');
  });

  test('same seed and actions → same episode (property)', async () => {
    const a = await makeEnv(lake);
    const b = await makeEnv(lake);
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat({ max: 3 }), { maxLength: 60 }), (seed, dirs) => {
        const acts = dirs.map(move);
        assert.deepEqual(play(a, seed, acts), play(b, seed, acts));
      }),
      { numRuns: 150 },
    );
  });

  test('snapshot → JSON → restore resumes exactly, in a fresh env too (property)', async () => {
    const a = await makeEnv(lake);
    const b = await makeEnv(lake);
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.nat({ max: 3 }), { minLength: 2, maxLength: 30 }),
        fc.nat(),
        (seed, dirs, cut) => {
          a.reset({ seed });
          const k = cut % dirs.length;
          let ended = false;
          for (let i = 0; i < k && !ended; i++) {
            const s = a.step(move(dirs[i]!));
            ended = s.terminated || s.truncated;
          }
          if (ended) return;
          const snap = JSON.parse(JSON.stringify(a.snapshot()));
          b.reset({ seed: seed + 1 });
          b.restore(snap);
          for (let i = k; i < dirs.length; i++) {
            const x = a.step(move(dirs[i]!));
            assert.deepEqual(b.step(move(dirs[i]!)), x);
            if (x.terminated || x.truncated) break;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test('reset clears everything: the second episode equals a fresh env', async () => {
    const used = await makeEnv(envSource(counterSpec));
    used.reset({ seed: 1 });
    used.step({ tool: 'inc', arguments: { k: 2 } });
    used.step({ text: 'hi' });
    const fresh = await makeEnv(envSource(counterSpec));
    assert.deepEqual(used.reset({ seed: 9 }), fresh.reset({ seed: 9 }));
    assert.deepEqual(used.step({ tool: 'toggle' }), fresh.step({ tool: 'toggle' }));
  });

  test('the lake matches FrozenLake-v1: map, slips only sideways, reward 1 at the goal, 100-step limit', async () => {
    const env = await makeEnv(lake);
    const rows = ['SFFF', 'FHFH', 'FFFH', 'HFFG'];
    const seen = new Map<string, Set<number>>();
    let goals = 0;
    for (let seed = 0; seed < 300; seed++) {
      env.reset({ seed });
      let pos = 0;
      for (;;) {
        const d = (seed * 7 + pos) % 4;
        const s = env.step(move(d));
        const next = s.observation.json.position as number;
        const key = `${pos}:${d}`;
        if (!seen.has(key)) seen.set(key, new Set());
        seen.get(key)!.add(next);
        const tile = rows[Math.floor(next / 4)]![next % 4];
        assert.equal(s.terminated, tile === 'H' || tile === 'G');
        assert.equal(s.reward, tile === 'G' ? 1 : 0);
        if (tile === 'G') goals++;
        pos = next;
        if (s.terminated || s.truncated) {
          assert.ok(s.terminated || s.info.step === 100);
          break;
        }
      }
    }
    // From the start (0), "down" (1) can only slip left (stay at 0), go down (4) or right (1); never up.
    const fromStartDown = seen.get('0:1');
    if (fromStartDown) for (const p of fromStartDown) assert.ok([0, 1, 4].includes(p), `0 --down--> ${p}`);
    assert.ok(goals > 0, 'a random walk reaches the goal sometimes');
  });
});

describe('GymSpec validation', () => {
  test('errors name the JSON path and say what to fix', () => {
    const bad = structuredClone(counterSpec) as Record<string, any>;
    bad.tools[0].event = 'bad event!';
    bad.machine.states.count.states.low.after = { 1000: 'high' };
    bad.guards.reached = { expr: 'n >=' };
    bad.reward.rules[0].onEnter = 'count.nowhere';
    try {
      envSource(bad);
      assert.fail('expected a SpecError');
    } catch (e) {
      assert.ok(e instanceof SpecError);
      const paths = e.issues.map((i) => i.path);
      assert.ok(paths.includes('$.tools[0].event'), paths.join(' '));
      assert.ok(paths.includes('$.machine.states.count.states.low.after'), paths.join(' '));
      assert.match(e.message, /bring a clock back/);
    }
    const bad2 = structuredClone(counterSpec) as Record<string, any>;
    bad2.guards.reached = { expr: 'n >=' };
    bad2.reward.rules[0].onEnter = 'count.nowhere';
    bad2.machine.states.count.states.low.on.INC.actions = 'nothing';
    assert.throws(
      () => envSource(bad2),
      (e: unknown) => {
        const paths = (e as SpecError).issues.map((i) => i.path);
        return (
          paths.includes('$.guards.reached.expr') &&
          paths.includes('$.reward.rules[0].onEnter') &&
          paths.includes('$.machine.states.count.states.low.on.INC.actions')
        );
      },
    );
  });

  test('invoke and spawn are refused; unknown keys are named', () => {
    const bad = structuredClone(counterSpec) as Record<string, any>;
    bad.machine.states.lamp.invoke = { src: 'x' };
    bad.colour = 'blue';
    assert.throws(
      () => envSource(bad),
      (e: unknown) => {
        const m = (e as SpecError).message;
        return /\$\.machine\.states\.lamp\.invoke/.test(m) && /unknown key "colour"/.test(m);
      },
    );
  });

  test('a v0 spec (bare reward list) migrates', () => {
    const v0 = { ...structuredClone(counterSpec), specVersion: 0, reward: counterSpec.reward.rules };
    assert.equal(envSource(v0).spec.reward.rules.length, 3);
  });

  test('a failing guard keeps its typed error (XState rewraps guard errors)', async () => {
    const spec = structuredClone(counterSpec) as Record<string, any>;
    spec.guards.reached.expr = 'task.data.missing.k > 1.0';
    const env = await makeEnv(envSource(spec));
    assert.throws(
      () => env.reset({ seed: 0 }),
      (e: unknown) =>
        e instanceof EnvCodeError && e.code === 'EXPR_FAILED' && /\$\.guards\.reached\.expr/.test(e.message),
    );
  });

  test('a runtime expression failure is a typed error naming the expression', async () => {
    const spec = structuredClone(counterSpec) as Record<string, any>;
    spec.actions.add.assign.n = 'task.data.missing.k';
    const env = await makeEnv(envSource(spec));
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step({ tool: 'inc', arguments: { k: 1 } }),
      (e: unknown) => e instanceof EnvCodeError && /\$\.actions\.add\.assign\.n/.test(e.message),
    );
    assert.throws(
      () => env.step({ tool: 'toggle' }),
      (e: unknown) => e instanceof EnvStateError && e.code === 'STEP_AFTER_FAILURE',
    );
  });
});

describe('code modules in the sandbox', () => {
  const files = {
    'logic.js': `
      export function add({ context, event }) { return { n: context.n + event.k + Math.floor(Math.random() * 2) }; }
      export function spin() { for (;;) {} }
    `,
  };
  const spec = structuredClone(counterSpec) as Record<string, any>;
  spec.actions.add = { module: 'logic.js#add' };
  spec.actions.spin = { module: 'logic.js#spin' };
  spec.machine.states.lamp.states.off.on.TOGGLE = { target: 'on', actions: 'spin' };
  spec.limits.stepDeadlineMs = 50;

  test('module actions are deterministic with the seeded Math.random', async () => {
    const a = await makeEnv(envSource(spec, files));
    const b = await makeEnv(envSource(spec, files));
    for (const seed of [1, 2, 3]) {
      a.reset({ seed });
      b.reset({ seed });
      assert.deepEqual(
        a.step({ tool: 'inc', arguments: { k: 1 } }),
        b.step({ tool: 'inc', arguments: { k: 1 } }),
      );
    }
    a.close();
    b.close();
  });

  test('an endless loop ends the step in a typed DEADLINE error; the next reset rewinds the sandbox and the episode runs', async () => {
    const env = await makeEnv(envSource(spec, files));
    env.reset({ seed: 0 });
    const t0 = performance.now();
    assert.throws(
      () => env.step({ tool: 'toggle' }),
      (e: unknown) => e instanceof SandboxError && e.code === 'DEADLINE',
    );
    assert.ok(performance.now() - t0 < 1050);
    // The interrupted realm is written back from its image: no rebuild, no recover() needed …
    const fresh = await makeEnv(envSource(spec, files));
    assert.deepEqual(
      play(env, 1, [{ tool: 'inc', arguments: { k: 1 } }]),
      play(fresh, 1, [{ tool: 'inc', arguments: { k: 1 } }]),
    );
    // … and recover() (which runners call after any failure) keeps working and changes nothing.
    await env.recover();
    assert.deepEqual(
      play(env, 2, [{ tool: 'inc', arguments: { k: 1 } }]),
      play(fresh, 2, [{ tool: 'inc', arguments: { k: 1 } }]),
    );
    env.close();
    fresh.close();
  });
});
