import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envSource } from '../kernel/source.ts';
import { candidateEvents, guardHints, MAX_STRINGS, parameterCandidates, valuePool } from './arguments.ts';

function spec(param: string, guardExpr: string, extra: Record<string, unknown> = {}) {
  return envSource({
    specVersion: 1,
    name: 'lock',
    version: '1.0.0',
    context: { initial: { n: 0 } },
    tasks: { list: [{ id: 't', instructions: 'open it', data: { hint: 'x', secret: 'K-7' } }] },
    tools: [
      {
        name: 'try_code',
        description: 'try a code',
        event: 'TRY',
        parameters: { type: 'object', properties: { [param]: { type: 'string' } }, required: [param] },
      },
    ],
    machine: {
      initial: 'locked',
      states: {
        locked: { on: { TRY: [{ guard: 'ok', target: 'open' }, { target: 'locked' }] } },
        open: { type: 'final' },
      },
    },
    guards: { ok: { expr: guardExpr.replaceAll('$P', param) } },
    reward: { rules: [{ onEnter: 'open', value: 1 }], bounds: { min: 0, max: 1 } },
    observation: { template: 'n' },
    ...extra,
  });
}

function tried(source: ReturnType<typeof spec>, param: string): unknown[] {
  const data = source.spec.tasks && 'list' in source.spec.tasks ? source.spec.tasks.list[0]!.data : {};
  return candidateEvents(source.spec, guardHints(source.spec, source.files), data)
    .filter((e) => e.type === 'TRY')
    .map((e) => e[param]);
}

test('literals in CEL guards are candidates (strings, numbers, negative numbers)', () => {
  const s = spec('word', "event.$P == 'open sesame' || step > -3 || task.data.secret == event.$P");
  const hints = guardHints(s.spec, s.files);
  assert.deepEqual(hints.literals, ['open sesame', -3]);
  assert.deepEqual(hints.dataPaths, [['secret']]);
  assert.deepEqual(tried(s, 'word').slice(0, 2), ['open sesame', 'K-7']);
});

test('params of guard references and task.data paths read by guard modules are used', () => {
  const s = envSource(
    {
      ...spec('word', 'true').spec,
      guards: { atLeast: { module: 'g.js#atLeast' } },
      machine: {
        initial: 'locked',
        states: {
          locked: {
            on: { TRY: [{ guard: { type: 'atLeast', params: { min: 42, label: 'gold' } }, target: 'open' }] },
          },
          open: { type: 'final' },
        },
      },
    },
    {
      'g.js': 'export function atLeast({ event, task, params }) { return event.word === task.data.secret; }',
    },
  );
  const hints = guardHints(s.spec, s.files);
  assert.deepEqual(hints.literals, [42, 'gold']);
  assert.deepEqual(hints.dataPaths, [['secret']]);
});

test('the same spec with a parameter renamed tries the same values', () => {
  const guard = 'event.$P == task.data.secret';
  const reference = tried(spec('code', guard), 'code');
  for (const name of ['secret', 'key', 'q', 'hint', 'orderId'])
    assert.deepEqual(tried(spec(name, guard), name), reference);
  assert.equal(reference[0], 'K-7');
});

test('candidates keep to the schema: enum alone, type, minLength, pattern, bounds, and a cap', () => {
  const pool = ['ab', 'abcd', 'Z-1', 'zz', 3, 7.5, 250, 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9'];
  assert.deepEqual(parameterCandidates({ enum: ['a', 'b'] }, pool), ['a', 'b']);
  assert.deepEqual(parameterCandidates({ type: 'string', minLength: 3, maxLength: 4 }, pool).slice(0, 2), [
    'abcd',
    'Z-1',
  ]);
  assert.deepEqual(parameterCandidates({ type: 'string', pattern: '^[A-Z]-\\d$' }, pool), ['Z-1']);
  assert.deepEqual(parameterCandidates({ type: 'integer', maximum: 100 }, pool), [3]);
  assert.deepEqual(parameterCandidates({ type: 'number', examples: [9] }, pool), [9, 3, 7.5, 250]);
  assert.equal(parameterCandidates({ type: 'string' }, pool).length, MAX_STRINGS);
  assert.deepEqual(parameterCandidates({ type: 'boolean' }, pool), [true, false]);
  // Nothing in the pool fits: one value shaped by the schema, so the tool is still tried.
  assert.deepEqual(parameterCandidates({ type: 'string', minLength: 9 }, pool), ['xxxxxxxxx']);
});

test('task data is read breadth first: shallow values before deep ones, map keys with their level', () => {
  const pool = valuePool({ literals: [], dataPaths: [] }, { deep: { a: { b: 'deepest' } }, top: 'shallow' });
  assert.deepEqual(pool, ['deep', 'top', 'a', 'shallow', 'b', 'deepest']);
});
