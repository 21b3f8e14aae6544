import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { z } from 'zod';
import { zodIssues } from './validationIssues.ts';
import { checkAction, parseWireAction } from './wireAction.ts';

const issues = (schema: z.ZodType, input: unknown, loc: (string | number)[] = ['body']) => {
  const r = schema.safeParse(input);
  assert.equal(r.success, false);
  return zodIssues((r as { error: z.ZodError }).error, loc, input);
};

test("zod issues come out as pydantic's: missing (with the parent as input), dict_type, extra_forbidden per key", () => {
  const schema = z.strictObject({
    action: z.record(z.string(), z.unknown()),
    seed: z.int().min(0).optional(),
  });
  assert.deepEqual(issues(schema, { seed: 1 }), [
    { type: 'missing', loc: ['body', 'action'], msg: 'Field required', input: { seed: 1 } },
  ]);
  assert.deepEqual(issues(schema, { action: 'go' }), [
    { type: 'dict_type', loc: ['body', 'action'], msg: 'Input should be a valid dictionary', input: 'go' },
  ]);
  assert.deepEqual(issues(schema, { action: {}, x: 1, y: [2] }), [
    { type: 'extra_forbidden', loc: ['body', 'x'], msg: 'Extra inputs are not permitted', input: 1 },
    { type: 'extra_forbidden', loc: ['body', 'y'], msg: 'Extra inputs are not permitted', input: [2] },
  ]);
  assert.deepEqual(issues(schema, { action: {}, seed: -1 }), [
    {
      type: 'greater_than_equal',
      loc: ['body', 'seed'],
      msg: 'Input should be greater than or equal to 0',
      input: -1,
    },
  ]);
  assert.deepEqual(issues(schema, { action: {}, seed: 1.5 }), [
    { type: 'int_type', loc: ['body', 'seed'], msg: 'Input should be a valid integer', input: 1.5 },
  ]);
});

test("a tool's bad arguments are located down to the argument, with the kernel's verdict", async () => {
  const env = await makeEnv(loadCatalog('frozen-lake'));
  try {
    const wrong = checkAction(env, { tool: 'move', arguments: { direction: 'north' } }, []);
    assert.equal(wrong?.code, 'INVALID_ARGUMENTS');
    assert.deepEqual(wrong?.issues, [
      {
        type: 'literal_error',
        loc: ['arguments', 'direction'],
        msg: "Input should be 'left', 'down', 'right' or 'up'",
        input: 'north',
      },
    ]);
    const missing = checkAction(env, { tool: 'move', arguments: { dir: 'up' } }, []);
    assert.deepEqual(
      missing?.issues.map((i) => [i.type, i.loc, i.input]),
      [
        ['missing', ['arguments', 'direction'], { dir: 'up' }],
        ['extra_forbidden', ['arguments', 'dir'], 'up'],
      ],
    );
    const notObject = checkAction(env, { tool: 'move', arguments: 'up' as never }, []);
    assert.equal(notObject?.issues[0]?.type, 'dict_type');
    assert.deepEqual(notObject?.issues[0]?.loc, ['arguments']);
    const unknown = checkAction(env, { tool: 'fly', arguments: {} }, []);
    assert.equal(unknown?.code, 'UNKNOWN_TOOL');
    assert.deepEqual(unknown?.issues[0]?.loc, ['tool']);
    assert.equal(unknown?.issues[0]?.input, 'fly');
    // What the kernel accepts is never refused.
    assert.equal(checkAction(env, { tool: 'move', arguments: { direction: 'up' } }, []), undefined);
  } finally {
    env.close();
  }
});

test('an action that is not an object is dict_type; an unknown key of the envelope is extra_forbidden', () => {
  const notObject = parseWireAction([1], []);
  assert.equal(notObject.ok, false);
  assert.equal(!notObject.ok && notObject.issues[0]?.type, 'dict_type');
  const extra = parseWireAction({ tool: 'move', arguments: {}, speed: 2 }, []);
  assert.deepEqual(!extra.ok && extra.issues, [
    { type: 'extra_forbidden', loc: ['speed'], msg: 'Extra inputs are not permitted', input: 2 },
  ]);
});
