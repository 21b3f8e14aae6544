import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec, SpecError } from '@palestra/envs/core';
import fc from 'fast-check';
import * as Y from 'yjs';
import { syntheticSpec } from '../canvas/syntheticSpec.ts';
import {
  addState,
  addTransition,
  deleteState,
  deleteTransition,
  guardText,
  moveState,
  renameState,
  retarget,
  setHistoryDefault,
} from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { docJson, docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

/** One user's edit; the numbers pick among the elements that user sees at that moment. */
type Edit =
  | { user: number; op: 'addState' | 'rename' | 'move' | 'delete'; a: number; b: number; name: string }
  | {
      user: number;
      op: 'addTransition' | 'retarget' | 'deleteTransition';
      a: number;
      b: number;
      name: string;
    }
  | { user: number; op: 'guard' | 'historyDefault'; a: number; b: number; name: string }
  | { user: number; op: 'sync'; a: number; b: number; name: string };

const edit = fc.record({
  user: fc.nat(2),
  op: fc.constantFrom(
    'addState',
    'rename',
    'move',
    'delete',
    'addTransition',
    'retarget',
    'deleteTransition',
    'guard',
    'historyDefault',
    'sync',
  ),
  a: fc.nat(1000),
  b: fc.nat(1000),
  name: fc.constantFrom('s1', 's2', 'g0', 'new', 'x', 'y.z', 'same'),
}) as fc.Arbitrary<Edit>;

const pick = <T>(list: T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];

function apply(doc: Y.Doc, e: Edit): void {
  const states = [...docParts(doc).states.keys()].sort();
  const transitions = [...docParts(doc).transitions.keys()].sort();
  const state = pick(states, e.a);
  const other = pick([null, ...states], e.b) ?? null;
  switch (e.op) {
    case 'addState':
      addState(doc, other, e.name);
      break;
    case 'rename':
      if (state) renameState(doc, state, e.name);
      break;
    case 'move':
      if (state) moveState(doc, state, other);
      break;
    case 'delete':
      if (state) deleteState(doc, state);
      break;
    case 'addTransition':
      addTransition(doc, other, `E${e.a % 5}`, state ?? null, e.b % 2 ? 'ok' : undefined);
      break;
    case 'retarget': {
      const t = pick(transitions, e.a);
      if (t) retarget(doc, t, pick(states, e.b) ?? null);
      break;
    }
    case 'deleteTransition': {
      const t = pick(transitions, e.a);
      if (t) deleteTransition(doc, t);
      break;
    }
    case 'guard': {
      const text = guardText(doc, e.b % 2 ? 'ok' : 'never');
      const at = e.a % (text.length + 1);
      if (e.b % 3 === 0) text.delete(at, Math.min(3, text.length - at));
      else text.insert(at, e.name === 'same' ? ' && true' : ' ');
      break;
    }
    case 'historyDefault':
      if (state) setHistoryDefault(doc, state, pick([null, ...states], e.b) ?? null);
      break;
    case 'sync':
      break;
  }
}

const send = (from: Y.Doc, to: Y.Doc) =>
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

describe('two or three users editing at once', () => {
  it('converge, and the document maps to a spec or to problems naming elements, never a crash', () => {
    const base = fromSpec(syntheticSpec(12));
    const start = Y.encodeStateAsUpdate(base);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.array(edit, { minLength: 1, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 6, maxLength: 6 }),
        (users, edits, finalOrder) => {
          const peers = Array.from({ length: users }, (_, i) => {
            const d = new Y.Doc();
            d.clientID = 100 + i;
            Y.applyUpdate(d, start);
            return d;
          });
          for (const e of edits) {
            const doc = peers[e.user % users]!;
            // A sync step delivers one peer's news to another mid-way: edits interleave with delivery.
            if (e.op === 'sync') send(peers[e.a % users]!, peers[e.b % users]!);
            else apply(doc, e);
          }
          // Deliver in a random order first, then everything to everyone.
          for (const [x, y] of finalOrder) send(peers[x % users]!, peers[y % users]!);
          for (const from of peers) for (const to of peers) if (from !== to) send(from, to);
          for (const from of peers) for (const to of peers) if (from !== to) send(from, to);

          const first = docJson(peers[0]!);
          for (const p of peers.slice(1)) assert.deepStrictEqual(docJson(p), first);
          const result = toSpec(peers[0]!);
          for (const p of peers.slice(1)) assert.deepStrictEqual(toSpec(p), result);

          const { states, transitions } = docParts(peers[0]!);
          // No state is lost silently: every state of the document has a place in the spec.
          assert.equal(result.paths.size, states.size);
          for (const problem of result.problems) {
            assert.ok(problem.ids.length > 0, problem.message);
            if (problem.code !== 'initial-missing')
              assert.ok(states.has(problem.ids[0]!) || transitions.has(problem.ids[0]!), problem.code);
          }
          try {
            parseSpec(result.spec);
          } catch (e) {
            assert.ok(e instanceof SpecError, `parseSpec threw ${String(e)}`);
            for (const issue of e.issues) assert.match(issue.path, /^\$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
