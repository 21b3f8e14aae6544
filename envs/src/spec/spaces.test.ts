import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CATALOG_DIR, loadCatalog } from '../../catalog/index.ts';
import { EnvCodeError, SpecError } from '../errors.ts';
import { checkActionSize } from '../kernel/actionSize.ts';
import { makeEnv } from '../kernel/env.ts';
import { compileSpaces, wireSpaces } from './gymSpaces.ts';
import { parseSpec } from './parse.ts';

// biome-ignore lint/suspicious/noExplicitAny: each case edits the spec at a path of its choosing
type Spec = Record<string, any>;

/** frozen-lake's spec as written, plus a `jump` tool with two enum arguments and an optional one. */
function lake(spaces?: unknown): Spec {
  const spec = JSON.parse(readFileSync(join(CATALOG_DIR, 'frozen-lake', 'spec.json'), 'utf8')) as Spec;
  spec.tools.push({
    name: 'jump',
    description: 'Jump by (dx, dy).',
    parameters: {
      type: 'object',
      properties: {
        dx: { type: 'integer', enum: [-1, 0, 1] },
        dy: { type: 'integer', enum: [-1, 0, 1] },
        note: { type: 'string', maxLength: 3 },
      },
      required: ['dx', 'dy'],
      additionalProperties: false,
    },
    event: 'JUMP',
  });
  spec.machine.states.frozen.on.JUMP = {};
  if (spaces === undefined) delete spec.spaces;
  else spec.spaces = spaces;
  return spec;
}

const obs = { type: 'Discrete', n: 16, expr: 'position' };

/** The issues of a spec that must not parse. */
function issuesOf(spec: Spec): { path: string; message: string; hint?: string }[] {
  try {
    parseSpec(spec);
  } catch (e) {
    assert.ok(e instanceof SpecError, String(e));
    return e.issues;
  }
  assert.fail('the spec parsed');
}

function assertIssue(spec: Spec, path: string, message: RegExp) {
  const issues = issuesOf(spec);
  assert.ok(
    issues.some((i) => i.path === path && message.test(`${i.message} ${i.hint ?? ''}`)),
    `expected ${path} ~ ${message}, got ${JSON.stringify(issues, null, 1)}`,
  );
}

describe('spaces: malformed sections are refused at their JSON path', () => {
  test('an unknown tool, in each action form', () => {
    assertIssue(
      lake({ action: { type: 'Discrete', tool: 'fly', argument: 'direction' }, observation: obs }),
      '$.spaces.action.tool',
      /no tool "fly" \(tools: move, jump\)/,
    );
    assertIssue(
      lake({
        action: {
          type: 'Discrete',
          actions: [{ tool: 'move', arguments: { direction: 'up' } }, { tool: 'fly' }],
        },
        observation: obs,
      }),
      '$.spaces.action.actions[1].tool',
      /no tool "fly"/,
    );
    assertIssue(
      lake({ action: { type: 'Dict', tools: ['move', { tool: 'fly' }] }, observation: obs }),
      '$.spaces.action.tools[1].tool',
      /no tool "fly"/,
    );
  });

  test('an argument the tool does not have, or one without values to take', () => {
    assertIssue(
      lake({ action: { type: 'Discrete', tool: 'move', argument: 'speed' }, observation: obs }),
      '$.spaces.action.argument',
      /tool "move" has no parameter "speed" \(parameters: direction\)/,
    );
    assertIssue(
      lake({
        action: { type: 'Discrete', tool: 'move', argument: 'speed', values: [1, 2] },
        observation: obs,
      }),
      '$.spaces.action.argument',
      /tool "move" has no parameter "speed"/,
    );
    assertIssue(
      lake({
        action: { type: 'MultiDiscrete', tool: 'jump', arguments: ['dx', { name: 'size', values: [1] }] },
        observation: obs,
      }),
      '$.spaces.action.arguments[1].name',
      /tool "jump" has no parameter "size"/,
    );
    assertIssue(
      lake({ action: { type: 'MultiDiscrete', tool: 'jump', arguments: ['dx', 'note'] }, observation: obs }),
      '$.spaces.action.arguments[1]',
      /parameter "note" of tool "jump" has no "enum".*"values"/,
    );
  });

  test('values the tool refuses, located at the value', () => {
    assertIssue(
      lake({
        action: { type: 'Discrete', tool: 'move', argument: 'direction', values: ['left', 'sideways'] },
        observation: obs,
      }),
      '$.spaces.action.values[1]',
      /tool "move" refuses the arguments \{"direction":"sideways"\}/,
    );
    assertIssue(
      lake({
        action: { type: 'Discrete', actions: [{ tool: 'jump', arguments: { dx: 1 } }] },
        observation: obs,
      }),
      '$.spaces.action.actions[0]',
      /refuses the arguments \{"dx":1\}.*dy/,
    );
    // A required argument no dimension sets: "fixed" gives it.
    assertIssue(
      lake({ action: { type: 'MultiDiscrete', tool: 'jump', arguments: ['dx'] }, observation: obs }),
      '$.spaces.action.arguments[0]',
      /refuses.*fixed/,
    );
    parseSpec(
      lake({
        action: { type: 'MultiDiscrete', tool: 'jump', arguments: ['dx'], fixed: { dy: 0 } },
        observation: obs,
      }),
    );
  });

  test('the two Discrete forms are exclusive; the schema names the key', () => {
    assertIssue(
      lake({
        action: { type: 'Discrete', tool: 'move', argument: 'direction', actions: [{ tool: 'move' }] },
        observation: obs,
      }),
      '$.spaces.action',
      /either "actions".*or "tool" and "argument"/,
    );
    assertIssue(
      lake({ action: { type: 'Discrete', tool: 'move' }, observation: obs }),
      '$.spaces.action.argument',
      /missing/,
    );
    assertIssue(
      lake({ action: { type: 'Box' }, observation: obs }),
      '$.spaces.action.type',
      /Discrete|MultiDiscrete|Dict/,
    );
    assertIssue(
      lake({ action: { type: 'Discrete', tool: 'move', argument: 'direction' } }),
      '$.spaces.observation',
      /.+/,
    );
  });

  test('a Dict cannot hold a tool named "tool", nor a tool twice', () => {
    const spec = lake({ action: { type: 'Dict', tools: ['move', 'move'] }, observation: obs });
    assertIssue(spec, '$.spaces.action.tools[1]', /listed twice/);
  });

  test('observation: a CEL error, a Box whose bounds do not fit its shape, low above high', () => {
    const action = { type: 'Discrete', tool: 'move', argument: 'direction' };
    assertIssue(
      lake({ action, observation: { type: 'Discrete', n: 16, expr: 'position +' } }),
      '$.spaces.observation.expr',
      /CEL: .*position \+/,
    );
    assertIssue(
      lake({ action, observation: { type: 'Box', low: [0, 0, 0], high: 1, shape: [2], expr: '[1.0, 2.0]' } }),
      '$.spaces.observation.low',
      /expected 2 elements at depth 0/,
    );
    assertIssue(
      lake({ action, observation: { type: 'Box', low: [0, 2], high: 1, shape: [2], expr: '[1.0, 2.0]' } }),
      '$.spaces.observation.low',
      /element 1 of low \(2\) is greater than high \(1\)/,
    );
    assertIssue(
      lake({
        action,
        observation: { type: 'Box', low: 0.5, high: 1, shape: [2], dtype: 'int64', expr: '[1, 2]' },
      }),
      '$.spaces.observation.low',
      /integer bounds/,
    );
    assertIssue(
      lake({ action, observation: { type: 'MultiDiscrete', nvec: [4, 0], expr: '[row, col]' } }),
      '$.spaces.observation.nvec[1]',
      />=1|at least|too small/i,
    );
  });
});

describe('spaces: what a spec declares, mapped', () => {
  test('without spaces: Text spaces capped at the observation limit, nothing compiled', () => {
    const spec = parseSpec(lake());
    assert.equal(compileSpaces(spec), undefined);
    const text = { type: 'Text', max_length: 262_144, charset: 'printable' };
    assert.deepEqual(wireSpaces(spec), { action: { ...text, max_length: 131_064 }, observation: text });
    // The longest text action, of the characters JSON writes longest, still fits the action limit.
    const longest = (wireSpaces(spec).action as { max_length: number }).max_length;
    for (const c of ['"', '\\', '\n', '😀'])
      assert.doesNotThrow(() => checkActionSize(spec, { text: c.repeat(longest) }));
    assert.throws(
      () => checkActionSize(spec, { text: '"'.repeat(longest + 8) }),
      (e: unknown) => e instanceof EnvCodeError && e.code === 'ACTION_TOO_LARGE',
    );
    const small = lake();
    small.limits.maxObservationBytes = 4096;
    assert.equal((wireSpaces(parseSpec(small)).observation as { max_length: number }).max_length, 4096);
  });

  test('MultiDiscrete: one dimension per argument, values from the enum or given', () => {
    const spec = parseSpec(
      lake({
        action: {
          type: 'MultiDiscrete',
          tool: 'jump',
          arguments: ['dx', { name: 'dy', values: [1, -1] }],
          fixed: { note: 'hi' },
        },
        observation: obs,
      }),
    );
    const s = compileSpaces(spec)!;
    assert.deepEqual(s.action, { type: 'MultiDiscrete', nvec: [3, 2] });
    assert.deepEqual(s.toAction([2, 1]), {
      ok: true,
      action: { tool: 'jump', arguments: { note: 'hi', dx: 1, dy: -1 } },
    });
    assert.deepEqual(s.toAction([3, 0]), {
      ok: false,
      problem: { loc: [0], message: 'expected an integer in [0, 3), got 3' },
    });
    assert.equal(s.toAction([1]).ok, false);
  });

  test('Dict: {tool: i, <tool>: {<argument>: j}}; a tool named alone takes its enum parameters', () => {
    const s = compileSpaces(
      parseSpec(lake({ action: { type: 'Dict', tools: ['move', 'jump'] }, observation: obs })),
    )!;
    assert.deepEqual(s.action, {
      type: 'Dict',
      spaces: {
        tool: { type: 'Discrete', n: 2, start: 0 },
        move: { type: 'Dict', spaces: { direction: { type: 'Discrete', n: 4, start: 0 } } },
        jump: {
          type: 'Dict',
          spaces: { dx: { type: 'Discrete', n: 3, start: 0 }, dy: { type: 'Discrete', n: 3, start: 0 } },
        },
      },
    });
    const value = { tool: 1, move: { direction: 3 }, jump: { dx: 0, dy: 2 } };
    assert.deepEqual(s.toAction(value), { ok: true, action: { tool: 'jump', arguments: { dx: -1, dy: 1 } } });
    assert.deepEqual(s.toAction({ ...value, tool: 0 }), {
      ok: true,
      action: { tool: 'move', arguments: { direction: 'up' } },
    });
    assert.deepEqual(s.toAction({ tool: 1, jump: { dx: 0 } }), {
      ok: false,
      problem: { loc: ['jump', 'dy'], message: 'expected an integer in [0, 3), got undefined' },
    });
  });

  test("Box observations: bounds expanded to the shape; values outside are the environment's fault", async () => {
    const spec = parseSpec(
      lake({
        action: { type: 'Discrete', tool: 'move', argument: 'direction' },
        observation: {
          type: 'Box',
          low: 0,
          high: [3, 2],
          shape: [2],
          dtype: 'int64',
          expr: '[int(position / 4.0), int(position) % 4]',
        },
      }),
    );
    const s = compileSpaces(spec)!;
    assert.deepEqual(s.observation, { type: 'Box', low: [0, 0], high: [3, 2], shape: [2], dtype: 'int64' });
    assert.deepEqual(s.observationValue({ text: '', json: { position: 6 } }), [1, 2]);
    assert.throws(
      () => s.observationValue({ text: '', json: { position: 7 } }),
      (e) =>
        e instanceof EnvCodeError &&
        e.code === 'BAD_OBSERVATION' &&
        /element 1 \(3\) is outside \[0, 2\]/.test(e.message),
    );
    assert.throws(
      () => s.observationValue({ text: '', json: {} }),
      (e) =>
        e instanceof EnvCodeError &&
        e.code === 'EXPR_FAILED' &&
        e.details.path === '$.spaces.observation.expr',
    );
  });
});

describe('frozen-lake declares FrozenLake-v1 spaces', () => {
  const source = loadCatalog('frozen-lake');
  const spaces = compileSpaces(source.spec)!;

  test('Discrete(4) actions and Discrete(16) observations', () => {
    assert.deepEqual(wireSpaces(source.spec), {
      action: { type: 'Discrete', n: 4, start: 0 },
      observation: { type: 'Discrete', n: 16, start: 0 },
    });
  });

  test("action i moves in FrozenLake-v1's direction i (0 left, 1 down, 2 right, 3 up)", () => {
    const order = ['left', 'down', 'right', 'up'];
    for (let i = 0; i < 4; i++) {
      const m = spaces.toAction(i);
      assert.ok(m.ok);
      assert.deepEqual(m.action, { tool: 'move', arguments: { direction: order[i] } });
      // The kernel reads it as FrozenLake's direction index i (the `dirs` map the slip rule uses).
      const task = source.spec.tasks as unknown as { list: { data: { dirs: Record<string, number> } }[] };
      assert.equal(task.list[0]!.data.dirs[order[i]!], i);
    }
    for (const bad of [-1, 4, 1.5, '1', true, null, [1]])
      assert.equal(spaces.toAction(bad).ok, false, String(bad));
  });

  test('the observation is row * 4 + col at every step of played episodes', async () => {
    const env = await makeEnv(source);
    let steps = 0;
    try {
      for (let seed = 0; seed < 20; seed++) {
        const atRowCol = (o: { text: string; json: Record<string, unknown> }) => {
          const m = /row (\d+), column (\d+)/.exec(o.text);
          assert.ok(m, o.text);
          assert.equal(spaces.observationValue(o), Number(m[1]) * 4 + Number(m[2]));
        };
        atRowCol(env.reset({ seed }).observation);
        for (let t = 0, done = false; !done; t++) {
          const a = spaces.toAction((seed + t) % 4);
          assert.ok(a.ok);
          const s = env.step(a.action);
          assert.equal(s.info.invalidAction, undefined);
          atRowCol(s.observation);
          steps++;
          done = s.terminated || s.truncated;
        }
      }
    } finally {
      env.close();
    }
    assert.ok(steps > 40, `${steps} steps`);
  });
});
