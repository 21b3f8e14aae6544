import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { parseSpec, SpecError } from '@palestra/envs/core';
import * as Y from 'yjs';
import { statechartGraph } from '../canvas/statechartGraph.ts';
import { starterSpec } from '../edit/newSpec.ts';
import { edgeKey, transitionEdges } from '../edit/transitionEdges.ts';
import {
  addState,
  addTransition,
  clearPositions,
  deletionScope,
  moveState,
  positionOf,
  removeState,
  renameState,
  retarget,
  setEvent,
  setFinal,
  setInitial,
  setPosition,
} from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { addRewardRule, setRewardField } from './logicEdits.ts';
import { docJson, docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

/** The canvas's edits (issue 17), each one transaction, on the spec a new environment starts from. */

const starter = () =>
  fromSpec(starterSpec({ name: 'help-desk', state: 'open', tool: 'lookup', event: 'LOOKUP' }));
const idOf = (doc: Y.Doc, name: string) =>
  [...docParts(doc).states.entries()].find(([, m]) => m.get('name') === name)![0];
/** The value at a dotted path in the spec's machine (`states.open.initial`). */
const at = (doc: Y.Doc, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], toSpec(doc).spec.machine);

/** Counts the transactions a function makes (an edit is one, so one undo takes it back). */
function transactions(doc: Y.Doc, f: () => void): number {
  let n = 0;
  const count = () => n++;
  doc.on('afterTransaction', count);
  f();
  doc.off('afterTransaction', count);
  return n;
}

/** Two peers of one document, with fixed client ids so Yjs's tie-breaks are known. */
function twoPeers(doc: Y.Doc): [Y.Doc, Y.Doc] {
  return [1, 2].map((clientID) => {
    const d = new Y.Doc();
    d.clientID = clientID;
    Y.applyUpdate(d, Y.encodeStateAsUpdate(doc));
    return d;
  }) as [Y.Doc, Y.Doc];
}

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  assert.deepStrictEqual(docJson(a), docJson(b));
}

describe('canvas edits', () => {
  it('the starter spec parses, and so does every edit below on it', () => {
    const doc = starter();
    parseSpec(toSpec(doc).spec);
  });

  it('addState: one transaction; a manual position stays out of the spec; a first child becomes initial', () => {
    const doc = starter();
    const open = idOf(doc, 'open');
    let inner = '';
    assert.equal(
      transactions(doc, () => {
        inner = addState(doc, open, 'waiting', 'me', { x: 12.34, y: 56.78 });
      }),
      1,
    );
    assert.deepEqual(positionOf(docParts(doc).states.get(inner)!), { x: 12.3, y: 56.8 });
    assert.equal(at(doc, 'states.open.initial'), 'waiting');
    assert.equal(JSON.stringify(toSpec(doc).spec.machine).includes('position'), false);
    addState(doc, open, 'second', 'me');
    assert.equal(at(doc, 'states.open.initial'), 'waiting', 'a second child leaves the initial alone');
    parseSpec(toSpec(doc).spec);
  });

  it('moveState: nests and un-nests, keeps initial states valid, drops the old position, refuses cycles', () => {
    const doc = starter();
    const open = idOf(doc, 'open');
    const review = addState(doc, null, 'review', 'me', { x: 300, y: 10 });
    const done = addState(doc, null, 'done', 'me');
    assert.equal(
      transactions(doc, () => assert.equal(moveState(doc, done, review, 'me'), true)),
      1,
    );
    assert.equal(at(doc, 'states.review.initial'), 'done');
    assert.ok(at(doc, 'states.review.states.done'));
    // Into itself or under itself: refused, nothing written.
    const before = docJson(doc);
    assert.equal(moveState(doc, review, done, 'me'), false);
    assert.equal(moveState(doc, review, review, 'me'), false);
    assert.deepEqual(docJson(doc), before);
    // Out to the root at a point: the position is the new one; review is left with no child.
    moveState(doc, done, null, 'me', { x: 5, y: 6 });
    assert.deepEqual(positionOf(docParts(doc).states.get(done)!), { x: 5, y: 6 });
    assert.equal(at(doc, 'states.review.initial'), undefined);
    assert.equal(at(doc, 'states.review.states'), undefined);
    // A moved initial state hands the role to its parent's first remaining child.
    setInitial(doc, review, 'me');
    moveState(doc, open, review, 'me');
    moveState(doc, review, null, 'me');
    assert.equal(at(doc, 'initial'), 'review');
    parseSpec(toSpec(doc).spec);
    moveState(doc, open, done, 'me');
    setPosition(doc, review, { x: 1, y: 2 }, 'me');
    moveState(doc, review, done, 'me');
    assert.equal(positionOf(docParts(doc).states.get(review)!), undefined, 'no position in another box');
    assert.equal(at(doc, 'initial'), 'done', 'the root takes its remaining child');
    parseSpec(toSpec(doc).spec);
  });

  it('setInitial and setFinal', () => {
    const doc = starter();
    const done = addState(doc, null, 'done', 'me');
    setInitial(doc, done, 'me');
    assert.equal(at(doc, 'initial'), 'done');
    setFinal(doc, done, true, 'me');
    assert.equal(at(doc, 'states.done.type'), 'final');
    setFinal(doc, done, false, 'me');
    assert.equal(at(doc, 'states.done.type'), undefined);
    parseSpec(toSpec(doc).spec);
  });

  it('removeState: the state, what is under it, the transitions in and out, as counted beforehand', () => {
    const doc = starter();
    const open = idOf(doc, 'open');
    const review = addState(doc, null, 'review', 'me');
    const inner = addState(doc, review, 'inner', 'me');
    const into = addTransition(doc, open, 'LOOKUP', inner, undefined, 'me');
    const out = addTransition(doc, inner, 'LOOKUP', open, undefined, 'me');
    const kept = addTransition(doc, open, 'LOOKUP', open, undefined, 'me');
    const scope = deletionScope(doc, review);
    assert.deepEqual(new Set(scope.states), new Set([review, inner]));
    assert.deepEqual(new Set(scope.transitions), new Set([into, out]));
    assert.equal(
      transactions(doc, () => assert.deepEqual(removeState(doc, review, 'me'), scope)),
      1,
    );
    const { transitions, states } = docParts(doc);
    assert.equal(states.has(inner), false);
    assert.deepEqual([...transitions.keys()].includes(kept), true);
    assert.deepEqual(toSpec(doc).problems, [], 'no dangling transition is left behind');
    // Deleting the initial state: the first remaining sibling is initial.
    const other = addState(doc, null, 'other', 'me');
    removeState(doc, open, 'me');
    assert.equal(docParts(doc).machine.get('initial'), other);
    assert.deepEqual(toSpec(doc).problems, []);
  });

  it('setEvent, retarget: the spec follows', () => {
    const doc = starter();
    const open = idOf(doc, 'open');
    const done = addState(doc, null, 'done', 'me');
    const t = addTransition(doc, open, 'LOOKUP', done, undefined, 'me');
    setEvent(doc, t, 'ESCALATE', 'me');
    assert.deepEqual(at(doc, 'states.open.on.ESCALATE'), [{ target: 'done' }]);
    setEvent(doc, t, null, 'me');
    assert.equal(at(doc, 'states.open.on.ESCALATE'), undefined);
    assert.deepEqual(at(doc, 'states.open.always'), [{ target: 'done' }]);
    retarget(doc, t, open, 'me');
    assert.deepEqual(at(doc, 'states.open.always'), [{ target: 'open' }]);
  });

  it('clearPositions: every manual position goes, in one transaction', () => {
    const doc = starter();
    const a = addState(doc, null, 'a', 'me', { x: 1, y: 1 });
    const b = addState(doc, null, 'b', 'me', { x: 2, y: 2 });
    assert.equal(
      transactions(doc, () => clearPositions(doc, 'me')),
      1,
    );
    for (const id of [a, b]) assert.equal(positionOf(docParts(doc).states.get(id)!), undefined);
  });
});

describe('canvas edits made at once by two people', () => {
  it('one deletes a state while the other draws a transition into it: that transition stays, reported', () => {
    const [a, b] = twoPeers(starter());
    const open = idOf(a, 'open');
    const review = addState(a, null, 'review', 'me');
    sync(a, b);
    removeState(a, review, 'me');
    const t = addTransition(b, open, 'LOOKUP', review, undefined, 'me');
    sync(a, b);
    assert.ok(docParts(a).transitions.has(t));
    assert.deepEqual(
      toSpec(a).problems.map((p) => p.code),
      ['target-missing'],
    );
  });

  it('two mark different initial states, or move and position one state: the same winner on both', () => {
    const [a, b] = twoPeers(starter());
    const x = addState(a, null, 'x', 'me');
    const y = addState(a, null, 'y', 'me');
    sync(a, b);
    setInitial(a, x, 'me');
    setInitial(b, y, 'me');
    setPosition(a, x, { x: 10, y: 10 }, 'me');
    moveState(b, x, y, 'me');
    sync(a, b);
    // One field each, last writer by client id (2 wins): the same spec on both peers.
    assert.equal(docParts(a).machine.get('initial'), y);
    assert.deepEqual(toSpec(a), toSpec(b));
    parseSpec(toSpec(a).spec);
  });

  it("one changes a transition's event while the other retargets it: both edits are kept", () => {
    const [a, b] = twoPeers(starter());
    const open = idOf(a, 'open');
    const done = addState(a, null, 'done', 'me');
    const t = addTransition(a, open, 'LOOKUP', open, undefined, 'me');
    sync(a, b);
    setEvent(a, t, 'ESCALATE', 'me');
    retarget(b, t, done, 'me');
    sync(a, b);
    assert.deepEqual(at(a, 'states.open.on.ESCALATE'), [{ target: 'done' }]);
  });
});

/** tally: reward rules on entering `halfway`, `right`, `wrong`, `overflow`; `truncateOn: ["overflow"]`. */
const tally = () => fromSpec(loadCatalog('tally').spec, loadCatalog('tally').files);
const onEnters = (doc: Y.Doc) =>
  (toSpec(doc).spec.reward?.rules ?? []).map((r) => (r as { onEnter?: string }).onEnter);

describe('renames and moves: fields that name a state by path follow it', () => {
  it("a rename rewrites reward rules' onEnter and truncateOn, in the rename's one transaction", () => {
    const doc = tally();
    assert.equal(
      transactions(doc, () => renameState(doc, idOf(doc, 'overflow'), 'cut', 'me')),
      1,
    );
    renameState(doc, idOf(doc, 'right'), 'correct', 'me');
    assert.deepEqual(onEnters(doc), ['halfway', 'correct', 'wrong', 'cut']);
    assert.deepEqual(toSpec(doc).spec.truncateOn, ['cut']);
    parseSpec(toSpec(doc).spec);
  });

  it('a move, then a rename of the new parent: the paths under it follow; explicit ids stay', () => {
    const doc = tally();
    const ends = addState(doc, null, 'ends', 'me');
    moveState(doc, idOf(doc, 'right'), ends, 'me');
    moveState(doc, idOf(doc, 'overflow'), ends, 'me');
    assert.deepEqual(onEnters(doc), ['halfway', 'ends.right', 'wrong', 'ends.overflow']);
    // `wrong` named by its explicit id: the kernel finds it by id, so the rule keeps the id.
    docParts(doc).states.get(idOf(doc, 'wrong'))!.set('id', 'lost');
    const byId = addRewardRule(doc, { kind: 'onEnter', state: 'lost', value: -1 }, 'me');
    renameState(doc, ends, 'outcomes', 'me');
    moveState(doc, idOf(doc, 'wrong'), ends, 'me');
    assert.deepEqual(onEnters(doc), [
      'halfway',
      'outcomes.right',
      'outcomes.wrong',
      'outcomes.overflow',
      'lost',
    ]);
    assert.equal(docParts(doc).rewardRules.get(byId)!.get('onEnter'), 'lost');
    assert.deepEqual(toSpec(doc).spec.truncateOn, ['outcomes.overflow']);
    // A sibling whose name starts the same is not under it.
    renameState(doc, idOf(doc, 'halfway'), 'outcomes_half', 'me');
    renameState(doc, ends, 'o', 'me');
    assert.deepEqual(onEnters(doc), ['outcomes_half', 'o.right', 'o.wrong', 'o.overflow', 'lost']);
    parseSpec(toSpec(doc).spec);
  });

  it('one undo takes back the rename and the fields it rewrote', () => {
    const doc = tally();
    const undo = new Y.UndoManager(Object.values(docParts(doc)) as Y.AbstractType<unknown>[], {
      trackedOrigins: new Set(['me']),
      captureTimeout: 0,
    });
    const before = docJson(doc);
    renameState(doc, idOf(doc, 'overflow'), 'cut', 'me');
    undo.undo();
    assert.deepStrictEqual(docJson(doc), before);
  });

  it('two rename one state at once: the rule follows the name that wins, the same on both', () => {
    const [a, b] = twoPeers(tally());
    const right = idOf(a, 'right');
    renameState(a, right, 'from_a', 'me');
    renameState(b, right, 'from_b', 'me');
    sync(a, b);
    // Both map keys (the name, the rule's onEnter) keep the higher client id's write.
    assert.equal(docParts(a).states.get(right)!.get('name'), 'from_b');
    assert.deepEqual(onEnters(a), ['halfway', 'from_b', 'wrong', 'overflow']);
    parseSpec(toSpec(a).spec);
  });

  it('one renames a state while the other adds a rule on entering it: that rule names the old path', () => {
    const [a, b] = twoPeers(tally());
    const right = idOf(a, 'right');
    const kept = [...docParts(a).rewardRules.keys()].find(
      (id) => docParts(a).rewardRules.get(id)!.get('onEnter') === 'right',
    )!;
    renameState(a, right, 'correct', 'me');
    addRewardRule(b, { kind: 'onEnter', state: 'right', value: 3 }, 'me');
    setRewardField(b, kept, 'value', 2, 'me');
    sync(a, b);
    assert.deepEqual(onEnters(a), ['halfway', 'correct', 'wrong', 'overflow', 'right']);
    assert.equal(docParts(a).rewardRules.get(kept)!.get('value'), 2, "the colleague's value edit is kept");
    assert.throws(
      () => parseSpec(toSpec(a).spec),
      (e: unknown) => e instanceof SpecError && JSON.stringify(e).includes('no state \\"right\\"'),
    );
  });
});

describe('transitionEdges', () => {
  it('finds the document transition of every edge the canvas draws, for every catalog spec shape', () => {
    for (const name of ['refund-desk', 'frozen-lake', 'tally']) {
      const doc = fromSpec(loadCatalog(name).spec);
      const { spec, paths } = toSpec(doc);
      const graph = statechartGraph(parseSpec(spec));
      const edges = transitionEdges(doc, paths);
      assert.ok(graph.edges.length > 0);
      for (const e of graph.edges) {
        if (e.data.kind === 'history') continue;
        const drawn = edges.get(edgeKey(e.id));
        assert.ok(drawn, `${name}: edge ${e.id} has a transition`);
        const m = docParts(doc).transitions.get(drawn.id)!;
        assert.equal(m.get('event') ?? 'always', e.data.event, `${name}: ${e.id}`);
      }
    }
  });

  it('after edits: a new transition is found by its new edge, a deleted one is not drawn', () => {
    const doc = starter();
    const open = idOf(doc, 'open');
    const done = addState(doc, null, 'done', 'me');
    const t = addTransition(doc, open, 'LOOKUP', done, undefined, 'me');
    const { spec, paths } = toSpec(doc);
    const graph = statechartGraph(parseSpec(spec));
    const edges = transitionEdges(doc, paths);
    const edge = graph.edges.find((e) => e.target === 'done')!;
    assert.equal(edges.get(edgeKey(edge.id))?.id, t);
    assert.equal(graph.edges.length, edges.size);
  });
});
