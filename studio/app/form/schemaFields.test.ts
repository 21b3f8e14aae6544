// The schema → fields mapping over every tool of the catalog and the shapes GymSpec allows, and
// the round trip between the inputs' texts and the arguments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { makeEnv, usesModules } from '@palestra/envs/core';
import { argumentsOf, draftsOf, type FormField, fieldsOf, optionValue } from './schemaFields.ts';

const tool = (env: string, name: string) => {
  const t = loadCatalog(env).spec.tools.find((x) => x.name === name);
  assert.ok(t, `${env}/${name}`);
  return t;
};

test('each kind of property gets its input, with the bounds, required marks and help of its schema', () => {
  assert.deepEqual(fieldsOf(tool('frozen-lake', 'move').parameters), [
    {
      name: 'direction',
      kind: 'select',
      required: true,
      label: 'direction',
      options: ['left', 'down', 'right', 'up'],
    },
  ]);
  assert.deepEqual(fieldsOf(tool('tally', 'click').parameters), [
    { name: 'times', kind: 'number', required: true, label: 'times', step: 1, min: 1, max: 9 },
  ]);
  const [orderId, amount] = fieldsOf(tool('refund-desk', 'issue_refund').parameters);
  assert.deepEqual(orderId, {
    name: 'orderId',
    kind: 'text',
    required: true,
    label: 'orderId',
    description: 'The order to refund',
    minLength: 1,
    maxLength: 32,
  });
  // exclusiveMinimum is no HTML bound: the kernel reports it.
  assert.deepEqual(amount, {
    name: 'amount',
    kind: 'number',
    required: true,
    label: 'amount',
    description: "Amount to refund, in the shop's currency",
    step: 'any',
    max: 100000,
  });
  assert.deepEqual(fieldsOf(tool('wildlife-survey', 'skip').parameters), []);

  const shapes = fieldsOf({
    type: 'object',
    properties: {
      urgent: { type: 'boolean', title: 'Urgent?' },
      tags: { type: 'array', items: { type: 'string' } },
      meta: { type: 'object' },
      either: { type: ['string', 'null'] },
      anything: {},
      level: { type: 'integer', enum: [1, 2, 3] },
    },
    required: ['tags'],
  });
  assert.deepEqual(
    shapes.map((f) => [f.name, f.kind, f.required, f.label]),
    [
      ['urgent', 'checkbox', false, 'Urgent?'],
      ['tags', 'json', true, 'tags'],
      ['meta', 'json', false, 'meta'],
      ['either', 'json', false, 'either'],
      ['anything', 'json', false, 'anything'],
      ['level', 'select', false, 'level'],
    ],
  );
  // No properties, or no schema at all: no fields.
  assert.deepEqual(fieldsOf({ type: 'object' }), []);
  assert.deepEqual(fieldsOf(undefined), []);
});

test('drafts and arguments round-trip, extra keys kept, empty inputs left out', () => {
  const fields = fieldsOf({
    type: 'object',
    properties: {
      name: { type: 'string' },
      note: { type: 'string' },
      n: { type: 'integer' },
      on: { type: 'boolean' },
      tags: { type: 'array' },
      level: { enum: [1, 'two'] },
    },
    required: ['name'],
  });
  const value = { name: 'a', n: 3, on: false, tags: ['x', 1], level: 1, extra: true };
  const drafts = draftsOf(fields, value);
  assert.deepEqual(drafts, {
    name: 'a',
    note: '',
    n: '3',
    on: 'false',
    tags: '[\n  "x",\n  1\n]',
    level: optionValue(1),
  });
  assert.deepEqual(argumentsOf(fields, drafts, value), { value, problems: {} });
  // Cleared inputs: a required text sends "", the others are left out.
  const cleared = Object.fromEntries(fields.map((f) => [f.name, '']));
  assert.deepEqual(argumentsOf(fields, cleared, { extra: 1 }).value, { name: '', extra: 1 });
  assert.equal(argumentsOf(fields, { ...drafts, level: optionValue('two') }).value.level, 'two');
});

test('an input holding no value is a problem of its field, and the field is left out', () => {
  const fields: FormField[] = fieldsOf({
    type: 'object',
    properties: { n: { type: 'number' }, tags: { type: 'array' } },
  });
  const out = argumentsOf(fields, { n: '1e', tags: '[1,' });
  assert.deepEqual(Object.keys(out.problems), ['n', 'tags']);
  assert.match(out.problems.n ?? '', /not a number/);
  assert.match(out.problems.tags ?? '', /^not JSON/);
  assert.deepEqual(out.value, {});
});

test('what the generated form sends for every catalog tool (without modules) is accepted by the kernel', async () => {
  // The form's defaults for a first pick: the enum's first member, 1 for a number, a word for a text.
  let checked = 0;
  for (const name of catalogNames()) {
    const source = loadCatalog(name);
    if (usesModules(source.spec)) continue; // their kernel needs a sandbox; their tools' schemas are the same kind
    const env = await makeEnv(source);
    for (const t of source.spec.tools) {
      const fields = fieldsOf(t.parameters);
      const drafts = Object.fromEntries(
        fields.map((f) => [
          f.name,
          f.kind === 'select'
            ? optionValue(f.options?.[0])
            : f.kind === 'number'
              ? String(f.min ?? 1)
              : f.kind === 'checkbox'
                ? 'true'
                : 'long enough text',
        ]),
      );
      const { value, problems } = argumentsOf(fields, drafts);
      assert.deepEqual(problems, {});
      const r = env.toEvent({ tool: t.name, arguments: value });
      assert.ok('type' in r, `${name}/${t.name}: ${JSON.stringify(r)}`);
      checked += 1;
    }
    env.close();
  }
  assert.ok(checked >= 2, `only ${checked} tools checked`);
});
