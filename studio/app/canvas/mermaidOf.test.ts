import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import type { GymSpec } from '@palestra/envs/core';
import { mermaidOf } from './mermaidOf.ts';

type Machine = GymSpec['machine'];

/** Every state's key and dotted path, straight from the spec. */
function statesOf(node: Machine, prefix = ''): { key: string; path: string }[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [{ key, path }, ...statesOf(child, path)];
  });
}

describe('mermaidOf', () => {
  for (const name of catalogNames()) {
    it(`${name}: declares every state once, by its key, in balanced blocks`, () => {
      const { spec } = loadCatalog(name);
      const text = mermaidOf(spec);
      assert.ok(text.startsWith('stateDiagram-v2\n'));
      const declared = [...text.matchAll(/^\s*state "([^"]*)" as (\S+)/gm)].map((m) => [m[1], m[2]]);
      const states = statesOf(spec.machine);
      assert.deepEqual(
        declared.map(([key]) => key),
        states.map((s) => s.key),
      );
      assert.deepEqual(
        declared.map(([, id]) => id),
        states.map((s) => s.path.replaceAll('.', '__')),
      );
      assert.equal(text.split('{').length, text.split('}').length, 'braces balance');
      const ids = new Set(declared.map(([, id]) => id));
      for (const m of text.matchAll(/^\s*(\S+) --> (\S+)/gm))
        for (const end of [m[1]!, m[2]!]) assert.ok(end === '[*]' || ids.has(end), `${end} is declared`);
    });
  }

  it('writes regions, finals, initial states and root transitions', () => {
    const machine = {
      initial: 'work',
      on: { RESET: '.work' },
      states: {
        work: {
          type: 'parallel',
          states: {
            a: { initial: 'a1', states: { a1: { on: { NEXT: { target: 'a2', guard: 'ok' } } }, a2: {} } },
            b: {},
          },
        },
        done: { type: 'final' },
      },
    } as unknown as Machine;
    assert.equal(
      mermaidOf({ machine }),
      [
        'stateDiagram-v2',
        '  %% on the machine: RESET --> work',
        '  state "work" as work {',
        '    state "a" as work__a {',
        '      state "a1" as work__a__a1',
        '      [*] --> work__a__a1',
        '      state "a2" as work__a__a2',
        '      work__a__a1 --> work__a__a2 : NEXT [ok]',
        '    }',
        '    --',
        '    state "b" as work__b',
        '  }',
        '  [*] --> work',
        '  state "done" as done',
        '  done --> [*]',
        '',
      ].join('\n'),
    );
  });
});
