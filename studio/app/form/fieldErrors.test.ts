// The kernel's argument errors put next to their fields: real messages from `Simulator.argumentErrors`
// on catalog tools, and the pointer forms ajv gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { makeEnv } from '@palestra/envs/core';
import { Simulator } from '../sim/simulator.ts';
import { matchErrors } from './fieldErrors.ts';
import { fieldsOf } from './schemaFields.ts';

test("the kernel's own errors land on the field they concern", async () => {
  const lake = loadCatalog('frozen-lake');
  const sim = new Simulator(await makeEnv(lake));
  const names = fieldsOf(lake.spec.tools[0]?.parameters).map((f) => f.name);

  const wrong = sim.argumentErrors('move', { direction: 'sideways' });
  assert.ok(wrong);
  const onField = matchErrors(wrong.fields, names);
  assert.deepEqual(Object.keys(onField.byField), ['direction']);
  assert.match(onField.byField.direction?.[0] ?? '', /allowed values/);
  assert.deepEqual(onField.general, []);

  const missing = sim.argumentErrors('move', {});
  assert.ok(missing);
  assert.deepEqual(matchErrors(missing.fields, names), {
    byField: { direction: ['required: fill it in'] },
    general: [],
  });

  // An extra property belongs to no field.
  const extra = sim.argumentErrors('move', { direction: 'up', speed: 2 });
  assert.ok(extra);
  const general = matchErrors(extra.fields, names);
  assert.deepEqual(general.byField, {});
  assert.match(general.general[0] ?? '', /^\(arguments\) must NOT have additional properties/);
  assert.equal(sim.argumentErrors('move', { direction: 'up' }), undefined);
  sim.env.close();
});

test('pointers: the first segment names the field (escaped or deep), unknown ones stay general', () => {
  const out = matchErrors(
    [
      { path: '/tags/0', message: 'must be string' },
      { path: '/a~1b', message: 'must be number' },
      { path: '/ghost', message: 'must be string' },
      { path: '(arguments)', message: "must have required property 'ghost'" },
      { path: '(arguments)', message: "must have required property 'tags'" },
    ],
    ['tags', 'a/b'],
  );
  assert.deepEqual(out.byField, {
    tags: ['/0 must be string', 'required: fill it in'],
    'a/b': ['must be number'],
  });
  assert.deepEqual(out.general, ['/ghost must be string', "(arguments) must have required property 'ghost'"]);
});
