import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonPath } from '@palestra/envs/core';
import fc from 'fast-check';
import { elementsOfPath, pathSteps } from './pathElements.ts';

test('pathSteps reads back every path the core writes', () => {
  const step = fc.oneof(
    fc.nat({ max: 1000 }),
    fc.string(),
    fc.constantFrom('states', 'on', 'a.b', 'x"y', '[0]'),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 8 }), (steps) => {
      assert.deepEqual(pathSteps(jsonPath(steps)), steps);
    }),
  );
});

test('pathSteps refuses text that is not a JSON path', () => {
  for (const bad of ['machine.states', '$.', '$[x]', '$["open]', '$.a..b', '$.a[1'])
    assert.equal(pathSteps(bad), undefined, bad);
  assert.deepEqual(pathSteps('$'), []);
});

test('a path into a transition names its source state and event', () => {
  assert.deepEqual(elementsOfPath('$.machine.states.a.states.b.on.GO[0]'), {
    states: ['a.b'],
    transitions: [{ source: 'a.b', event: 'GO' }],
  });
  assert.deepEqual(elementsOfPath('$.machine.states.a.on.GO.target'), {
    states: ['a'],
    transitions: [{ source: 'a', event: 'GO' }],
  });
  assert.deepEqual(elementsOfPath('$.machine.states["open desk"].on["order.paid"][1].guard'), {
    states: ['open desk'],
    transitions: [{ source: 'open desk', event: 'order.paid' }],
  });
  assert.deepEqual(elementsOfPath('$.machine.states.a.always[2].guard'), {
    states: ['a'],
    transitions: [{ source: 'a', event: 'always' }],
  });
  // The root's own transitions: the root is "".
  assert.deepEqual(elementsOfPath('$.machine.on.RESET'), {
    states: [''],
    transitions: [{ source: '', event: 'RESET' }],
  });
});

test('a path into a state names the state only', () => {
  assert.deepEqual(elementsOfPath('$.machine.states.a.states.b.initial'), {
    states: ['a.b'],
    transitions: [],
  });
  assert.deepEqual(elementsOfPath('$.machine.states.a.entry[0]'), { states: ['a'], transitions: [] });
  // "on" itself (an unknown key in it, say) is about the state, not one transition.
  assert.deepEqual(elementsOfPath('$.machine.states.a.on'), { states: ['a'], transitions: [] });
  // A state named like a keyword of the machine is still a state.
  assert.deepEqual(elementsOfPath('$.machine.states.on.states.states'), {
    states: ['on.states'],
    transitions: [],
  });
  assert.deepEqual(elementsOfPath('$.machine.initial'), { states: [''], transitions: [] });
  assert.deepEqual(elementsOfPath('$.machine'), { states: [''], transitions: [] });
});

test('a guard or action is placed where it is used; anything else is unplaced', () => {
  const spec = {
    machine: {
      on: { RESET: { target: '.a', actions: ['log'] } },
      states: {
        a: {
          entry: { type: 'log', params: {} },
          on: { GO: [{ target: 'b', guard: 'paid' }, { target: 'a' }], STAY: 'a' },
          always: { guard: { type: 'paid' }, target: 'b' },
        },
        b: { states: { c: { exit: ['log', 'other'], on: { BACK: { target: '#a', guard: 'paid' } } } } },
      },
    },
  };
  assert.deepEqual(elementsOfPath('$.guards.paid.expr', spec), {
    states: [],
    transitions: [
      { source: 'a', event: 'GO' },
      { source: 'a', event: 'always' },
      { source: 'b.c', event: 'BACK' },
    ],
  });
  assert.deepEqual(elementsOfPath('$.actions.log.assign.n', spec), {
    states: ['a', 'b.c'],
    transitions: [{ source: '', event: 'RESET' }],
  });
  assert.deepEqual(elementsOfPath('$.guards.paid.expr'), { states: [], transitions: [] });
  // A spec of the wrong shape (it did not parse) places nothing rather than throwing.
  assert.deepEqual(elementsOfPath('$.guards.paid', { machine: { states: [1, null], on: 'x' } }), {
    states: [],
    transitions: [],
  });
  for (const p of ['$.tools[0].event', '$.reward.rules[2].onEnter', '$', 'not a path'])
    assert.deepEqual(elementsOfPath(p), { states: [], transitions: [] }, p);
});
