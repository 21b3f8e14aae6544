import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type GymSpecInput, parseSpec } from '@palestra/envs/core';
import fc from 'fast-check';
import * as Y from 'yjs';
import { syntheticSpec } from '../canvas/syntheticSpec.ts';
import { renameState } from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { filesOf, toSpec } from './toSpec.ts';

/**
 * "Exact" here: `parseSpec` of what comes back deep-equals `parseSpec` of what went in (defaults
 * filled in by the parser on both sides, key order ignored, list order and every value compared),
 * the code files are the same, and the mapping reports no problem. A copy of the document made from
 * its update (what a second peer receives) gives the same spec.
 */
function assertRoundTrip(input: GymSpecInput, files: Record<string, string> = {}) {
  const expected = parseSpec(input, files);
  const doc = fromSpec(input, files);
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
  for (const d of [doc, peer]) {
    const { spec, problems } = toSpec(d);
    assert.deepEqual(problems, []);
    assert.deepStrictEqual(parseSpec(spec, files), expected);
    assert.deepStrictEqual(filesOf(d), files);
  }
}

describe('GymSpec → document → GymSpec', () => {
  for (const name of catalogNames())
    it(`is exact for the catalog's ${name}`, () => {
      const { spec, files } = loadCatalog(name);
      assertRoundTrip(spec, files);
    });

  it('is exact for generated machines with varied tools and tasks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 60 }),
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { minLength: 1, maxLength: 5 }),
        // Task ids are unique in a valid spec (parseSpec refuses a duplicate), so the generator
        // draws them unique: the property is about the mapping, not the parser's refusals.
        fc.uniqueArray(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 6 }),
            instructions: fc.string({ maxLength: 20 }),
            data: fc.option(fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), fc.integer()), {
              nil: undefined,
            }),
            split: fc.option(fc.constantFrom('train' as const, 'eval' as const), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 5, selector: (t) => t.id },
        ),
        (states, toolNames, tasks) => {
          const base = syntheticSpec(states);
          const extra = toolNames.map((name) => ({
            name: `x_${name}`,
            description: `d ${name}`,
            event: 'E0',
          }));
          const list = tasks.map((t) =>
            Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
          );
          assertRoundTrip({
            ...base,
            tools: [...base.tools, ...extra],
            tasks: { list } as GymSpecInput['tasks'],
          });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('is exact for generated machines with history states, and their defaults follow renames', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 60 }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        fc.nat(),
        (states, picks, renamed) => {
          const input = withHistory(syntheticSpec(states), picks);
          assertRoundTrip(input);
          // Renaming any state keeps every default on the state it named: the spec still checks.
          const doc = fromSpec(input);
          const ids = [...doc.getMap('states').keys()].sort();
          renameState(doc, ids[renamed % ids.length]!, 'renamed_state');
          const { spec, problems } = toSpec(doc);
          assert.deepEqual(problems, []);
          parseSpec(spec);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a target as written, and follows a renamed target state', () => {
    const input = syntheticSpec(12);
    const doc = fromSpec(input);
    const before = toSpec(doc).spec;
    assert.equal(JSON.stringify(before).includes('#(machine).g0.s1'), true);
    const states = doc.getMap<Y.Map<unknown>>('states');
    const [id] = [...states.entries()].find(([, m]) => m.get('name') === 's1')!;
    states.get(id)!.set('name', 'renamed');
    const after = toSpec(doc);
    assert.deepEqual(after.problems, []);
    const text = JSON.stringify(after.spec);
    assert.equal(text.includes('#(machine).g0.s1"'), false);
    assert.equal(text.includes('"renamed"') || text.includes('.renamed'), true);
    parseSpec(after.spec);
  });
});

type StateJson = { type?: string; target?: string; states?: Record<string, StateJson> };

/**
 * `spec` with a history state `hist` in every compound (not parallel) state, its default written
 * in one of the ways XState reads it, chosen by `picks`: a sibling's key, a dotted path below a
 * sibling, the sibling's default `#(machine).…` id, or no default.
 */
function withHistory(spec: GymSpecInput, picks: number[]): GymSpecInput {
  const out = structuredClone(spec) as GymSpecInput;
  let n = 0;
  const visit = (node: StateJson, path: string) => {
    const keys = Object.keys(node.states ?? {});
    for (const key of keys) visit(node.states![key]!, path ? `${path}.${key}` : key);
    if (keys.length === 0 || node.type === 'parallel') return;
    const pick = picks[n++ % picks.length]!;
    const key = keys[pick % keys.length]!;
    const below = Object.keys(node.states![key]!.states ?? {});
    const forms = [
      key,
      below.length > 0 ? `${key}.${below[pick % below.length]}` : key,
      `#(machine).${path ? `${path}.` : ''}${key}`,
      undefined,
    ];
    const target = forms[pick % forms.length];
    node.states!.hist = target === undefined ? { type: 'history' } : { type: 'history', target };
  };
  visit(out.machine as StateJson, '');
  return out;
}
