import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec, SpecError } from '@palestra/envs/core';
import type * as Y from 'yjs';
import { syntheticSpec } from '../canvas/syntheticSpec.ts';
import { fromSpec } from './fromSpec.ts';
import { docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

describe('toSpec on a document a faulty client wrote', () => {
  it('reports elements of the wrong shape and never throws', () => {
    const doc = fromSpec(syntheticSpec(12));
    const parts = docParts(doc);
    const [tid, transition] = [...parts.transitions.entries()].find(([, m]) => m.has('targets'))!;
    const [sid, state] = [...parts.states.entries()][0]!;
    doc.transact(() => {
      parts.states.set('zz-junk', 'not a map' as unknown as Y.Map<unknown>);
      parts.tools.set('zz-tool', 42 as unknown as Y.Map<unknown>);
      transition.set('targets', [{ state: 7 }]);
      state.set('order', Number.NaN);
      state.set('parent', { not: 'an id' });
      parts.guards.set('ok', 'context.n' as unknown as Y.Map<unknown>);
    });
    const { spec, problems, paths } = toSpec(doc);
    assert.deepEqual(
      problems.map((p) => [p.code, p.ids]),
      [
        ['malformed', ['zz-junk']],
        ['malformed', ['zz-tool']],
        ['malformed', [tid]],
      ],
    );
    assert.equal(paths.has(sid), true, 'the state with a bad parent is kept, at the top level');
    assert.throws(
      () => parseSpec(spec),
      (e) => e instanceof SpecError && e.issues.some((i) => i.path === '$.guards.ok'),
    );
  });
});
