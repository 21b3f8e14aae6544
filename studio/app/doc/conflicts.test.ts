import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
import { syntheticSpec } from '../canvas/syntheticSpec.ts';
import { addState, addTransition, deleteState, guardText, moveState, renameState } from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { docJson, docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

/** Two peers holding the same document, with fixed client ids so Yjs's tie-breaks are known. */
function twoPeers() {
  const base = fromSpec(syntheticSpec(12));
  const peers = [1, 2].map((clientID) => {
    const d = new Y.Doc();
    d.clientID = clientID;
    Y.applyUpdate(d, Y.encodeStateAsUpdate(base));
    return d;
  });
  return peers as [Y.Doc, Y.Doc];
}

/** Exchanges every update both ways; then both peers must hold the same document. */
function sync(a: Y.Doc, b: Y.Doc) {
  const toB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
  const toA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  Y.applyUpdate(b, toB);
  Y.applyUpdate(a, toA);
  assert.deepStrictEqual(docJson(a), docJson(b));
  assert.deepStrictEqual(toSpec(a), toSpec(b));
}

const idByName = (doc: Y.Doc, name: string) =>
  [...docParts(doc).states.entries()].find(([, m]) => m.get('name') === name)![0];

describe('conflict rules (CONFLICTS.md)', () => {
  it('a state deleted while another adds a transition into it: the transition is kept and reported', () => {
    const [a, b] = twoPeers();
    const s1 = idByName(a, 's1');
    const s2 = idByName(a, 's2');
    deleteState(a, s2);
    const t = addTransition(b, s1, 'E0', s2);
    sync(a, b);
    assert.ok(docParts(a).transitions.has(t), 'the new transition stays in the document');
    const { spec, problems } = toSpec(a);
    assert.deepEqual(problems, [
      { code: 'target-missing', message: 'its target state was deleted; left out', ids: [t, s2] },
    ]);
    assert.equal(JSON.stringify(spec).includes('"s2"'), false);
  });

  it('two rename the same state: one name wins, the same on both, and transitions follow it', () => {
    const [a, b] = twoPeers();
    const s1 = idByName(a, 's1');
    renameState(a, s1, 'from_a');
    renameState(b, s1, 'from_b');
    sync(a, b);
    // Yjs keeps the write of the higher client id among concurrent writes to one key.
    assert.equal(docParts(a).states.get(s1)!.get('name'), 'from_b');
    const { spec, problems } = toSpec(a);
    assert.deepEqual(problems, []);
    const text = JSON.stringify(spec);
    assert.equal(text.includes('from_a'), false);
    assert.equal(/#\(machine\)\.g0\.s1"/.test(text), false, 'no transition names the old key');
    parseSpec(spec);
  });

  it('two edit the same guard: both edits are kept, merged character by character', () => {
    const [a, b] = twoPeers();
    guardText(a, 'ok').insert(0, '(');
    guardText(a, 'ok').insert(guardText(a, 'ok').length, ') && true');
    const t = guardText(b, 'ok');
    t.delete(0, t.length);
    t.insert(0, 'context.n > 1');
    sync(a, b);
    const expr = guardText(a, 'ok').toString();
    assert.ok(expr.includes('context.n > 1') && expr.includes(') && true'), expr);
    assert.deepStrictEqual(expr, guardText(b, 'ok').toString());
  });

  it('two move one state into different parents: one parent wins, the same on both', () => {
    const [a, b] = twoPeers();
    const s3 = idByName(a, 's3');
    moveState(a, s3, idByName(a, 'g10'));
    moveState(b, s3, idByName(b, 'g0'));
    sync(a, b);
    assert.equal(docParts(a).states.get(s3)!.get('parent'), idByName(a, 'g0'));
    assert.deepEqual(toSpec(a).problems, []);
  });

  it('two moves that make a cycle: the smallest id of the cycle goes to the top level', () => {
    const [a, b] = twoPeers();
    const x = addState(a, null, 'x');
    const y = addState(a, null, 'y');
    sync(a, b);
    moveState(a, x, y);
    moveState(b, y, x);
    sync(a, b);
    const { spec, problems } = toSpec(a);
    const [first, second] = [x, y].sort();
    assert.deepEqual(
      problems.map((p) => [p.code, p.ids]),
      [['parent-cycle', [first, second]]],
    );
    const machine = spec.machine as { states: Record<string, { states?: Record<string, unknown> }> };
    const [top, inner] = first === x ? ['x', 'y'] : ['y', 'x'];
    assert.ok(machine.states[top]?.states?.[inner], `${inner} under ${top}`);
  });

  it('two rename siblings to one name: the smallest id keeps it, the other gets a suffix', () => {
    const [a, b] = twoPeers();
    const s1 = idByName(a, 's1');
    const s2 = idByName(a, 's2');
    renameState(a, s1, 'same');
    renameState(b, s2, 'same');
    sync(a, b);
    const { problems, paths } = toSpec(a);
    const [keeps, other] = [s1, s2].sort();
    assert.deepEqual(
      problems.map((p) => [p.code, p.ids]),
      [['duplicate-name', [keeps, other]]],
    );
    assert.equal(paths.get(keeps!), 'g0.same');
    assert.equal(paths.get(other!), 'g0.same_2');
  });
});
