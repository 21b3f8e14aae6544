import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { envSource } from '@palestra/envs/core';
import { diffSpecs } from './diffSpecs.ts';

const tally = loadCatalog('tally');
/** A spec to edit in place as plain JSON (the test reaches into it by the names tally uses). */
// biome-ignore lint/suspicious/noExplicitAny: a test edits known paths of a known spec
type Editable = Record<string, any>;
const edited = (change: (spec: Editable) => void) => {
  const raw = structuredClone(tally.spec) as unknown as Editable;
  change(raw);
  return envSource(raw, tally.files);
};

test('the same version twice has no change and no mark', () => {
  const { changes, marks } = diffSpecs(tally, tally);
  assert.deepEqual(changes, []);
  assert.deepEqual(marks, { before: { states: {}, edges: {} }, after: { states: {}, edges: {} } });
});

test('an added state and its transition, a changed guard, a removed task: in words and as canvas marks', () => {
  const b = edited((s) => {
    s.machine.states.escalated = { type: 'final' };
    s.machine.states.counting.on.ESCALATE = 'escalated';
    s.guards.overflowed.expr = 'count > 50.0';
    s.tasks.list = s.tasks.list.slice(1);
  });
  const { changes, marks } = diffSpecs(tally, b);
  const words = changes.map((c) => `${c.kind} ${c.what}`);
  assert.ok(words.includes('added state escalated'), words.join('\n'));
  assert.ok(words.includes('added transition counting —ESCALATE→ escalated'), words.join('\n'));
  const firstTask = (tally.spec.tasks as { list: { id: string }[] }).list[0]!.id;
  assert.ok(words.includes(`removed task ${firstTask}`), words.join('\n'));
  const guard = changes.find((c) => c.what === 'guard overflowed');
  assert.deepEqual([guard?.kind, guard?.before, guard?.after], ['changed', 'count > 99.0', 'count > 50.0']);
  assert.deepEqual(
    [...new Set(changes.map((c) => c.area))],
    ['state', 'transition', 'expression', 'task'],
    'listed by area: states, transitions, expressions, tasks',
  );
  assert.deepEqual(marks.after.states, { escalated: 'added' });
  assert.deepEqual(Object.values(marks.after.edges), ['added']);
  assert.match(Object.keys(marks.after.edges)[0]!, /^counting:/, "the canvas's own edge id");
  assert.deepEqual(marks.before, { states: {}, edges: {} }, 'nothing of the older chart is gone');

  // The other way round, the same state is removed and marked on the older chart.
  const back = diffSpecs(b, tally);
  assert.ok(back.changes.some((c) => c.kind === 'removed' && c.what === 'state escalated'));
  assert.deepEqual(back.marks.before.states, { escalated: 'removed' });
});

test('a changed state (its description) and a changed transition (its guard) are marked on both charts', () => {
  const b = edited((s) => {
    s.machine.states.wrong.description = 'no longer silent';
    s.machine.states.counting.on.REPLY[0].guard = 'overflowed';
  });
  const { changes, marks } = diffSpecs(tally, b);
  assert.deepEqual(marks.before.states, { wrong: 'changed' });
  assert.deepEqual(marks.after.states, { wrong: 'changed' });
  assert.deepEqual(Object.values(marks.after.edges), ['changed']);
  const t = changes.find((c) => c.area === 'transition');
  assert.equal(t?.kind, 'changed');
  assert.match(t?.after ?? '', /REPLY \[overflowed\]/);
});
