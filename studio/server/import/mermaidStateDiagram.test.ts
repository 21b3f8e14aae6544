// Mermaid state diagrams to GymSpec machines: the grammar's parts, and refusals with their line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '@palestra/envs/core';
import { convertImport } from './convertImport.ts';
import { ImportFormatError } from './errors.ts';
import { machineFromMermaid } from './machineFromMermaid.ts';
import { MAX_DIAGRAM_DEPTH, mermaidInMarkdown, parseStateDiagram } from './mermaidStateDiagram.ts';

const machineOf = (text: string) => machineFromMermaid(parseStateDiagram(text));

function refusal(text: string): ImportFormatError {
  try {
    machineOf(text);
  } catch (e) {
    assert.ok(e instanceof ImportFormatError, String(e));
    return e;
  }
  assert.fail('the diagram was read');
}

describe('Mermaid state diagrams', () => {
  it('reads states, start and end, labels as events with guards and actions, long names, notes and comments', () => {
    const { machine, warnings } = machineOf(
      [
        '---',
        'title: a car',
        '---',
        'stateDiagram',
        '  direction LR',
        '  %% a comment',
        '  [*] --> Still',
        '  state "Waiting for payment" as Pay',
        '  Still --> Moving : PUSH',
        '  Moving --> Still : STOP [isSlow] / brake, log',
        '  Still --> Pay',
        '  Pay --> [*] : PAID',
        '  Moving --> Crash : hits a wall',
        '  Crash --> [*]',
        '  Still --> Still : HONK',
        '  note right of Still : a note',
        '  note left of Moving',
        '    Moving --> nowhere : not read',
        '  end note',
        '  Still : the car stands',
        '  classDef red fill:#f00',
      ].join('\n'),
    );
    assert.deepEqual(machine, {
      initial: 'Still',
      states: {
        Still: { description: 'the car stands', on: { PUSH: 'Moving', TO_PAY: 'Pay', HONK: {} } },
        Moving: {
          on: { STOP: { target: 'Still', guard: 'isSlow', actions: ['brake', 'log'] }, hits_a_wall: 'Crash' },
        },
        Pay: { description: 'Waiting for payment', on: { PAID: 'end' } },
        Crash: { type: 'final' },
        end: { type: 'final' },
      },
    });
    assert.ok(
      warnings.some((w) => /line 13: the label "hits a wall" became the event "hits_a_wall"/.test(w)),
    );
    assert.ok(warnings.some((w) => /1 arrow without a label .*TO_PAY/.test(w)));
  });

  it('composite states nest, targets across levels resolve, and -- splits a block into parallel regions', async () => {
    const text = [
      'stateDiagram-v2',
      '[*] --> Off',
      'Off --> On : POWER',
      'state On {',
      '  [*] --> Idle',
      '  Idle --> Busy : WORK',
      '  Busy --> Off : CRASH',
      '  state Busy {',
      '    [*] --> Fast',
      '  }',
      '}',
      'state Lights {',
      '  Red',
      '  --',
      '  [*] --> Low',
      '  Low --> High : RAISE',
      '}',
      'On --> Lights : SHOW',
    ].join('\n');
    const { machine } = machineOf(text);
    assert.deepEqual(machine.states?.On, {
      initial: 'Idle',
      states: {
        Idle: { on: { WORK: 'Busy' } },
        Busy: { initial: 'Fast', states: { Fast: {} }, on: { CRASH: '#(machine).Off' } },
      },
      on: { SHOW: 'Lights' },
    });
    assert.deepEqual(machine.states?.Lights, {
      type: 'parallel',
      states: {
        Red: {},
        region2: { initial: 'Low', states: { Low: { on: { RAISE: 'High' } }, High: {} } },
      },
    });
    // The whole import is a valid GymSpec: one tool per event.
    const converted = await convertImport(text, 'power.mmd');
    const spec = parseSpec(converted!.spec);
    assert.deepEqual(
      spec.tools.map((t) => t.event),
      ['POWER', 'SHOW', 'WORK', 'CRASH', 'RAISE'],
    );
    assert.equal(spec.name, 'power');
  });

  it('an end arrow in a region of one state gets its end state inside that region, not as a new region', () => {
    const { machine } = machineOf(
      [
        'stateDiagram-v2',
        '[*] --> P',
        'state P {',
        '  A',
        '  A --> [*] : DONE',
        '  --',
        '  B',
        '  B --> [*]',
        '}',
      ].join('\n'),
    );
    assert.deepEqual(machine.states?.P, {
      type: 'parallel',
      states: {
        region1: { initial: 'A', states: { A: { on: { DONE: 'end' } }, end: { type: 'final' } } },
        B: { type: 'final' },
      },
    });
  });

  it('a state or event named "__proto__" stays a key', () => {
    const { machine } = machineOf('stateDiagram-v2\n[*] --> __proto__\n__proto__ --> b : __proto__\n');
    assert.ok(Object.hasOwn(machine.states ?? {}, '__proto__'));
    const state = Object.getOwnPropertyDescriptor(machine.states, '__proto__')?.value;
    assert.deepEqual(state.on, JSON.parse('{ "__proto__": "b" }'));
    assert.equal(Object.getPrototypeOf(machine.states), Object.prototype);
  });

  it('reads the diagram of a Markdown file, with line numbers of the file', () => {
    const md = [
      '# A machine',
      '',
      '```mermaid',
      'stateDiagram-v2',
      '  [*] --> a',
      '  a --> b : GO',
      '```',
    ].join('\n');
    const block = mermaidInMarkdown(md);
    assert.equal(block?.firstLine, 4);
    assert.equal(mermaidInMarkdown('# nothing\n```mermaid\nflowchart TD\n```'), undefined);
    try {
      parseStateDiagram(`${block!.text}\n  a ==> c`, block!.firstLine);
      assert.fail('read');
    } catch (e) {
      assert.ok(e instanceof ImportFormatError);
      assert.deepEqual(e.position, { line: 7, column: 3 });
    }
  });

  it('refuses what it cannot read with the line and column', () => {
    const bad = refusal('stateDiagram-v2\n  [*] --> a\n  a -> b : GO\n');
    assert.equal(bad.code, 'STUDIO_IMPORT_SYNTAX');
    assert.deepEqual(bad.position, { line: 3, column: 3 });
    assert.match(bad.message, /^line 3, column 3: cannot read `a -> b : GO`/);
    assert.ok(bad.hint);
    const header = refusal('flowchart TD\n  a --> b');
    assert.deepEqual(header.position, { line: 1, column: 1 });
    const unclosed = refusal('stateDiagram-v2\n[*] --> a\nstate a {\n  [*] --> b\n');
    assert.match(unclosed.message, /line 3, column 1: the block of state "a" is never closed/);
    const extra = refusal('stateDiagram-v2\n[*] --> a\n}\n');
    assert.deepEqual(extra.position, { line: 3, column: 1 });
    const outside = refusal('stateDiagram-v2\n[*] --> a\n--\n');
    assert.match(outside.message, /outside a composite/);
    assert.equal(refusal('').code, 'STUDIO_IMPORT_NO_MACHINE');
  });

  it('refuses deep nesting at the block past the limit, and a huge flat diagram is read without recursion', () => {
    const depth = MAX_DIAGRAM_DEPTH + 1;
    const lines = ['stateDiagram-v2'];
    for (let i = 0; i < depth; i++) lines.push(`${' '.repeat(i)}state s${i} {`);
    const e = refusal(`${lines.join('\n')}\n`);
    assert.equal(e.code, 'STUDIO_IMPORT_TOO_DEEP');
    assert.equal(e.position?.line, depth + 1);
    const deeper = refusal(`stateDiagram-v2\n${'state x {\n'.repeat(100_000)}`);
    assert.equal(deeper.code, 'STUDIO_IMPORT_TOO_DEEP');
    const flat = ['stateDiagram-v2', '[*] --> s0'];
    for (let i = 0; i < 20_000; i++) flat.push(`s${i} --> s${i + 1} : NEXT`);
    const { machine } = machineOf(flat.join('\n'));
    assert.equal(Object.keys(machine.states ?? {}).length, 20_001);
  });
});
