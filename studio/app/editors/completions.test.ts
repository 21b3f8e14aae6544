import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { celCompletions, templateCompletions, vocabularyOf } from './completions.ts';

const spec = {
  context: {
    schema: {
      type: 'object',
      properties: {
        refunded: { type: 'number' },
        order: { type: 'object', properties: { total: { type: 'number' } } },
      },
    },
    initial: { refunded: 0, asked: false },
  },
  tasks: {
    list: [
      { id: 'a', data: { orderId: 'A-1', customer: { name: 'Ann', tier: 'gold' } } },
      { id: 'b', data: { orderId: 'B-2', ageDays: 40 } },
    ],
  },
  tools: [
    {
      name: 'refund',
      parameters: { type: 'object', properties: { orderId: { type: 'string' }, amount: { type: 'number' } } },
    },
    { name: 'ask', parameters: { type: 'object', properties: { question: { type: 'string' } } } },
  ],
};
const vocabulary = vocabularyOf(spec);
const labels = (answer: { options: { label: string }[] } | null) => answer?.options.map((o) => o.label) ?? [];

describe('completions', () => {
  it('reads context fields (schema and initial), task data keys (nested) and tool arguments', () => {
    assert.deepEqual([...vocabulary.context.keys()], ['refunded', 'order', 'asked']);
    assert.deepEqual([...vocabulary.context.get('order')!.children!.keys()], ['total']);
    assert.deepEqual([...vocabulary.taskData.keys()], ['orderId', 'customer', 'ageDays']);
    assert.deepEqual([...vocabulary.taskData.get('customer')!.children!.keys()], ['name', 'tier']);
    assert.deepEqual([...vocabulary.arguments.keys()], ['orderId', 'amount', 'question']);
    assert.equal(vocabulary.arguments.get('amount')!.detail, 'argument of refund (number)');
  });

  it('a bare word: the context fields, the variables, CEL functions and keywords', () => {
    const answer = celCompletions(vocabulary, 'guard', 'refunded > 0 && as', false)!;
    assert.equal(answer.from, 'refunded > 0 && '.length);
    const all = labels(answer);
    for (const name of [
      'asked',
      'refunded',
      'context',
      'event',
      'task',
      'step',
      'size',
      'has',
      'rand',
      'true',
      'in',
    ])
      assert.ok(all.includes(name), name);
    assert.ok(!all.includes('terminated'), 'a guard does not see terminated');
    assert.ok(labels(celCompletions(vocabulary, 'reward', 't', false)).includes('terminated'));
    assert.equal(answer.options.find((o) => o.label === 'size')!.apply, 'size(');
  });

  it('after a dot: what is known under the path, then the methods', () => {
    const data = celCompletions(vocabulary, 'guard', 'task.data.', false)!;
    assert.equal(data.from, 'task.data.'.length);
    assert.deepEqual(labels(data).slice(0, 3), ['orderId', 'customer', 'ageDays']);
    assert.ok(labels(data).includes('contains'), 'methods too');
    assert.deepEqual(
      labels(celCompletions(vocabulary, 'guard', 'task.data.customer.ti', false)).slice(0, 2),
      ['name', 'tier'],
    );
    assert.equal(
      celCompletions(vocabulary, 'guard', 'task.data.customer.ti', false)!.from,
      'task.data.customer.'.length,
    );
    const event = labels(celCompletions(vocabulary, 'assign', 'event.', false));
    assert.deepEqual(event.slice(0, 5), ['type', 'text', 'orderId', 'amount', 'question']);
    assert.deepEqual(labels(celCompletions(vocabulary, 'guard', 'context.order.', false)).slice(0, 1), [
      'total',
    ]);
  });

  it('after an unknown value (a call, an index): the methods only', () => {
    const afterCall = labels(celCompletions(vocabulary, 'guard', 'string(step).', false));
    assert.ok(afterCall.includes('startsWith') && !afterCall.includes('orderId'));
    const unknown = labels(celCompletions(vocabulary, 'guard', 'nothing.here.', false));
    assert.ok(unknown.includes('size') && !unknown.includes('orderId'));
  });

  it('nothing typed: only when asked; never inside a string', () => {
    assert.equal(celCompletions(vocabulary, 'guard', 'a == ', false), null);
    assert.ok(labels(celCompletions(vocabulary, 'guard', 'a == ', true)).includes('refunded'));
    assert.equal(celCompletions(vocabulary, 'guard', 'event.orderId == "ord', false), null);
    assert.ok(labels(celCompletions(vocabulary, 'guard', '"a\\"b" == ref', false)).includes('refunded'));
  });

  it('templates: the names of the view inside a tag, dotted paths resolved; nothing outside', () => {
    const top = templateCompletions(vocabulary, 'Hello {{')!;
    assert.equal(top.from, 'Hello {{'.length);
    for (const name of ['refunded', 'task', 'state', 'done', 'step'])
      assert.ok(labels(top).includes(name), name);
    const data = templateCompletions(vocabulary, 'Order {{#task.data.cu')!;
    assert.equal(data.from, 'Order {{#task.data.'.length);
    assert.deepEqual(labels(data), ['orderId', 'customer', 'ageDays']);
    assert.equal(templateCompletions(vocabulary, 'Order {{x}} and '), null);
    assert.equal(templateCompletions(vocabulary, '{{nothing.'), null);
  });

  it("a catalog spec: refund-desk's tool arguments and context fields", () => {
    const v = vocabularyOf(loadCatalog('refund-desk').spec);
    assert.ok(v.arguments.has('orderId'));
    assert.ok(v.context.size > 0);
  });
});
