import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskSpec } from '@palestra/envs/core';
import { filterTasks, type TaskRow } from './filterTasks.ts';

const rows: TaskRow[] = (
  [
    {
      id: 'refund-easy',
      instructions: 'A customer wants money back.',
      data: { orderId: 'A-1042', total: 30 },
    },
    { id: 'deny-late', instructions: 'An old order.', data: { orderId: 'B-7', expected: 'deny' } },
    { id: 'escalate', instructions: '', context: { vip: true } },
  ] as TaskSpec[]
).map((task, index) => ({ index, task, split: index === 2 ? 'eval' : 'train' }));

const ids = (q: string) => filterTasks(rows, q).map((r) => r.task.id);

describe('filterTasks', () => {
  it('an empty or blank query keeps every task', () => {
    assert.deepEqual(ids(''), ['refund-easy', 'deny-late', 'escalate']);
    assert.deepEqual(ids('   '), ['refund-easy', 'deny-late', 'escalate']);
  });

  it('finds by id, instructions, data and context, case-insensitively', () => {
    assert.deepEqual(ids('DENY'), ['deny-late']);
    assert.deepEqual(ids('money'), ['refund-easy']);
    assert.deepEqual(ids('a-1042'), ['refund-easy'], 'a value in the data');
    assert.deepEqual(ids('"expected"'), ['deny-late'], 'a key in the data, as JSON');
    assert.deepEqual(ids('vip'), ['escalate'], 'the context');
  });

  it('every word must match, in any order', () => {
    assert.deepEqual(ids('refund b-7'), []);
    assert.deepEqual(ids('1042 refund'), ['refund-easy']);
    assert.deepEqual(ids('orderid b-7'), ['deny-late']);
    assert.deepEqual(ids('nothing-like-this'), []);
  });
});
