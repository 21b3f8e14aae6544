import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { parseSpec } from '@palestra/envs/core';
import { deleteQuestion } from './deleteQuestion.ts';
import { firstStepProblems, forkName, starterSpec } from './newSpec.ts';

test('the guided first step: its problems field by field, and a starter spec that parses', () => {
  const step = { name: 'help-desk', state: 'open', tool: 'lookup_order', event: 'LOOKUP' };
  assert.deepEqual(firstStepProblems(step), []);
  const spec = parseSpec(starterSpec(step));
  assert.equal(spec.machine.initial, 'open');
  assert.deepEqual(
    spec.tools.map((t) => [t.name, t.event]),
    [['lookup_order', 'LOOKUP']],
  );
  assert.deepEqual(
    firstStepProblems({ name: 'Help Desk', state: 'a.b', tool: 'look up', event: 'REPLY' }).map(
      (p) => p.field,
    ),
    ['name', 'state', 'tool', 'event'],
  );
  // Every step the form lets through makes a spec parseSpec accepts.
  for (const s of [
    { name: '0', state: '_', tool: '-', event: '_' },
    { name: 'a'.repeat(64), state: 'x-1', tool: 'T', event: 'E9' },
  ]) {
    assert.deepEqual(firstStepProblems(s), []);
    parseSpec(starterSpec(s));
  }
});

test('a fork keeps a valid name, and its spec still parses with the catalog files', () => {
  assert.equal(forkName('refund-desk'), 'refund-desk-fork');
  assert.equal(forkName('a'.repeat(64)).length, 64);
  const source = loadCatalog('refund-desk');
  parseSpec({ ...source.spec, name: forkName(source.spec.name) }, source.files);
});

test('the delete confirmation counts what goes with a state', () => {
  assert.equal(
    deleteQuestion({ kind: 'state', label: 'review', inner: 1, transitions: 3 }),
    'Delete state review, with 1 state inside it and 3 transitions?',
  );
  assert.equal(deleteQuestion({ kind: 'state', label: 'a', inner: 0, transitions: 0 }), 'Delete state a?');
  assert.equal(
    deleteQuestion({ kind: 'transition', label: 'GO from a', inner: 0, transitions: 1 }),
    'Delete the transition GO from a?',
  );
});
