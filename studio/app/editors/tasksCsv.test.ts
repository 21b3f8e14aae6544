import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellValue, parseDelimited, tasksFromCsv } from './tasksCsv.ts';

describe('parseDelimited', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks; CRLF; skips blank lines', () => {
    const text = 'id,note\r\nt1,"a, b"\r\n\r\nt2,"say ""hi""\nthen go"\nt3,\n';
    assert.deepEqual(parseDelimited(text, ','), [
      ['id', 'note'],
      ['t1', 'a, b'],
      ['t2', 'say "hi"\nthen go'],
      ['t3', ''],
    ]);
  });

  it('a last line without a newline, and tabs as the delimiter', () => {
    assert.deepEqual(parseDelimited('a\tb\n1\t2', '\t'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});

describe('tasksFromCsv', () => {
  it('id, instructions and split have their meaning; other columns are data keys, numbers as numbers', () => {
    const { tasks, problems } = tasksFromCsv(
      'id,instructions,split,orderId,total,vip\nrefund-1,"Refund it, politely",eval,A-1,30,true\nrefund-2,Deny,,B-7,12.5,\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(tasks, [
      {
        id: 'refund-1',
        instructions: 'Refund it, politely',
        split: 'eval',
        data: { orderId: 'A-1', total: 30, vip: true },
      },
      { id: 'refund-2', instructions: 'Deny', data: { orderId: 'B-7', total: 12.5 } },
    ]);
  });

  it('a spreadsheet paste (tab-separated) works the same', () => {
    const { tasks } = tasksFromCsv('id\tinstructions\tcity\nt1\tGo\tLyon');
    assert.deepEqual(tasks, [{ id: 't1', instructions: 'Go', data: { city: 'Lyon' } }]);
  });

  it('rows without an id, taken ids and unknown splits are reported by line', () => {
    const { tasks, problems } = tasksFromCsv('id,split\n,train\nold,eval\nnew,test\nnew,eval\n', ['old']);
    assert.deepEqual(tasks, [{ id: 'new' }]);
    assert.deepEqual(problems, [
      'line 2: no id; the row is left out',
      'line 3: the id "old" is taken; the row is left out',
      'line 4: split "test" is not train or eval; train kept',
      'line 5: the id "new" is taken; the row is left out',
    ]);
  });

  it('a header without an id column is refused as a whole', () => {
    const { tasks, problems } = tasksFromCsv('name,instructions\na,b\n');
    assert.deepEqual(tasks, []);
    assert.match(problems[0]!, /needs an "id" column \(it has: name, instructions\)/);
    assert.deepEqual(tasksFromCsv('').problems, ['nothing to paste']);
  });

  it('cell values: JSON numbers, booleans, null, objects and lists; anything else is text', () => {
    assert.equal(cellValue('42'), 42);
    assert.equal(cellValue('-1.5e2'), -150);
    assert.equal(cellValue('false'), false);
    assert.equal(cellValue('null'), null);
    assert.deepEqual(cellValue('{"a":[1]}'), { a: [1] });
    assert.equal(cellValue('007a'), '007a');
    assert.equal(cellValue('{not json'), '{not json');
    assert.equal(cellValue('True'), 'True');
  });
});
