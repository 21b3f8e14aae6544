import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GymSpecInput, parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
import { moveState, removeState, renameState, setHistoryDefault } from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { docJson, docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

/**
 * A history state's default `target` follows the state it names through renames and moves, as a
 * transition's target does. The fixture is shaped like a catalog environment (tools, tasks, reward)
 * with a history state for each way of writing a default: a sibling key, a dotted path below one,
 * a default `#(machine).…` id, and an explicit `#id` with a path below it.
 */
function door(): GymSpecInput {
  return {
    specVersion: 1,
    name: 'door',
    version: '1.0.0',
    description: 'Open the door, and come back to where you were.',
    context: { initial: { tries: 0 } },
    tasks: { list: [{ id: 'd1', instructions: 'open the door' }] },
    tools: [
      { name: 'knock', description: 'knock', event: 'KNOCK' },
      { name: 'push', description: 'push the door', event: 'PUSH' },
      { name: 'leave', description: 'step onto the porch', event: 'LEAVE' },
      { name: 'back', description: 'go back inside', event: 'BACK' },
    ],
    machine: {
      initial: 'closed',
      states: {
        closed: {
          initial: 'locked',
          states: {
            locked: { on: { KNOCK: 'ajar' } },
            ajar: { initial: 'wide', states: { wide: { on: { PUSH: 'narrow' } }, narrow: {} } },
            hist: { type: 'history', target: 'ajar' },
            deep: { type: 'history', history: 'deep', target: 'ajar.narrow' },
            byId: { type: 'history', target: '#(machine).closed.locked' },
          },
          on: { LEAVE: 'porch', PUSH: { guard: 'strong', target: 'open', actions: 'count' } },
        },
        porch: {
          id: 'porch',
          initial: 'step',
          states: { step: {}, mat: {}, was: { type: 'history', target: '#porch.mat' } },
          on: { BACK: 'closed.deep', KNOCK: 'closed.hist' },
        },
        open: { type: 'final' },
      },
    },
    guards: { strong: { expr: 'context.tries > 1' } },
    actions: { count: { assign: { tries: 'context.tries + 1' } } },
    reward: { rules: [{ onEnter: 'open', value: 1 }, { perStep: -0.01 }] },
    observation: { template: 'tries: {{tries}}' },
    limits: { maxSteps: 50 },
  } as GymSpecInput;
}

type StateJson = { target?: string; states?: Record<string, StateJson> };

/** The state at a dotted path in a spec's machine. */
function stateAt(spec: GymSpecInput, path: string): StateJson {
  let node = spec.machine as StateJson;
  for (const key of path.split('.')) node = node.states![key]!;
  return node;
}

/** Each history state's default in `doc`'s spec, by the history state's dotted path. */
function defaults(doc: Y.Doc): Record<string, string | undefined> {
  const { spec, paths } = toSpec(doc);
  const out: Record<string, string | undefined> = {};
  for (const [id, path] of paths)
    if (docParts(doc).states.get(id)!.get('type') === 'history') out[path] = stateAt(spec, path).target;
  return out;
}

const idOf = (doc: Y.Doc, path: string) => [...toSpec(doc).paths].find(([, p]) => p === path)![0];

/** The spec of `doc` passes the kernel's check (every history default names a state) with no problem. */
function assertValid(doc: Y.Doc) {
  const { spec, problems } = toSpec(doc);
  assert.deepEqual(problems, []);
  parseSpec(spec);
}

describe("a history state's default target", () => {
  it('is kept as the state it names and comes back exactly as written', () => {
    const doc = fromSpec(door());
    const hist = docParts(doc).states.get(idOf(doc, 'closed.hist'))!;
    assert.deepEqual(hist.get('target'), { state: idOf(doc, 'closed.ajar'), raw: 'ajar' });
    assert.deepStrictEqual(parseSpec(toSpec(doc).spec), parseSpec(door()));
    assert.deepEqual(toSpec(doc).problems, []);
  });

  it('resolves by the kernel’s rule: what fromSpec finds is what parseSpec accepts', () => {
    const written = [
      'ajar',
      'ajar.narrow',
      '#(machine).closed.ajar',
      '#porch.mat',
      '.locked', // an empty key ends the walk: the parent itself, in XState and the kernel
      'nowhere',
      'ajar.nowhere',
      '#nope',
      'porch', // not a sibling: transitions name it so from here, history defaults do not
    ];
    for (const target of written) {
      const spec = door();
      (stateAt(spec, 'closed.hist') as StateJson).target = target;
      const doc = fromSpec(spec);
      const stored = docParts(doc).states.get(idOf(doc, 'closed.hist'))!.get('target') as object;
      let accepted = true;
      try {
        parseSpec(spec);
      } catch {
        accepted = false;
      }
      assert.equal('state' in stored, accepted, target);
    }
  });

  it('follows a rename of the state it names', () => {
    const doc = fromSpec(door());
    renameState(doc, idOf(doc, 'closed.ajar'), 'cracked');
    renameState(doc, idOf(doc, 'closed.locked'), 'bolted');
    renameState(doc, idOf(doc, 'porch.mat'), 'rug');
    assert.deepEqual(defaults(doc), {
      'closed.hist': 'cracked',
      'closed.deep': 'cracked.narrow',
      'closed.byId': 'bolted',
      'porch.was': 'rug', // no longer as written: rendered sibling-relative
    });
    assertValid(doc);
  });

  it('follows a move of the state it names, and of the history state itself', () => {
    const doc = fromSpec(door());
    assert.ok(moveState(doc, idOf(doc, 'closed.ajar.narrow'), idOf(doc, 'closed.locked')));
    assert.equal(defaults(doc)['closed.deep'], 'locked.narrow');
    assertValid(doc);
    assert.ok(moveState(doc, idOf(doc, 'closed.hist'), idOf(doc, 'porch')));
    assert.equal(defaults(doc)['porch.hist'], '#(machine).closed.ajar');
    assertValid(doc);
  });

  it('follows a rename of its parent', () => {
    const doc = fromSpec(door());
    renameState(doc, idOf(doc, 'closed'), 'shut');
    renameState(doc, idOf(doc, 'porch'), 'deck');
    assert.deepEqual(defaults(doc), {
      'shut.hist': 'ajar',
      'shut.deep': 'ajar.narrow',
      'shut.byId': 'locked',
      'deck.was': '#porch.mat',
    });
    assertValid(doc);
  });

  it('is set by id from the editor, and rendered from the tree', () => {
    const doc = fromSpec(door());
    setHistoryDefault(doc, idOf(doc, 'closed.hist'), idOf(doc, 'closed.ajar.wide'));
    assert.equal(defaults(doc)['closed.hist'], 'ajar.wide');
    setHistoryDefault(doc, idOf(doc, 'closed.hist'), null);
    assert.equal(defaults(doc)['closed.hist'], undefined);
    assertValid(doc);
  });

  it('is forgotten when the canvas deletes the state it names', () => {
    const doc = fromSpec(door());
    removeState(doc, idOf(doc, 'closed.ajar'));
    assert.equal(defaults(doc)['closed.hist'], undefined);
    assert.equal(defaults(doc)['closed.deep'], undefined);
    assert.equal(defaults(doc)['closed.byId'], '#(machine).closed.locked');
    assertValid(doc);
  });
});

/** Two peers of the door document, with fixed client ids so Yjs's tie-breaks are known. */
function twoPeers(): [Y.Doc, Y.Doc] {
  const base = fromSpec(door());
  return [1, 2].map((clientID) => {
    const d = new Y.Doc();
    d.clientID = clientID;
    Y.applyUpdate(d, Y.encodeStateAsUpdate(base));
    return d;
  }) as [Y.Doc, Y.Doc];
}

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  assert.deepStrictEqual(docJson(a), docJson(b));
  assert.deepStrictEqual(toSpec(a), toSpec(b));
}

describe("a history state's default target, edited by two people at once", () => {
  it('two rename the state it names: it follows the winning name on both', () => {
    const [a, b] = twoPeers();
    renameState(a, idOf(a, 'closed.ajar'), 'from_a');
    renameState(b, idOf(b, 'closed.ajar'), 'from_b');
    sync(a, b);
    // Yjs keeps the write of the higher client id among concurrent writes to one key.
    assert.equal(defaults(a)['closed.hist'], 'from_b');
    assert.equal(defaults(a)['closed.deep'], 'from_b.narrow');
    assertValid(a);
  });

  it('one renames the state while the other makes it the default: the default names the new name', () => {
    const [a, b] = twoPeers();
    renameState(a, idOf(a, 'closed.locked'), 'bolted');
    setHistoryDefault(b, idOf(b, 'closed.hist'), idOf(b, 'closed.locked'));
    sync(a, b);
    assert.equal(defaults(a)['closed.hist'], 'bolted');
    assertValid(a);
  });

  it('one moves the state while the other renames its parent: it follows both', () => {
    const [a, b] = twoPeers();
    moveState(a, idOf(a, 'closed.ajar.narrow'), idOf(a, 'closed.locked'));
    renameState(b, idOf(b, 'closed.ajar'), 'cracked');
    sync(a, b);
    assert.equal(defaults(a)['closed.deep'], 'locked.narrow');
    assert.equal(defaults(a)['closed.hist'], 'cracked');
    assertValid(a);
  });

  it('one deletes the state while the other makes it the default: left out and reported', () => {
    const [a, b] = twoPeers();
    const locked = idOf(a, 'closed.locked');
    const hist = idOf(a, 'closed.hist');
    removeState(a, locked);
    setHistoryDefault(b, hist, locked);
    sync(a, b);
    const { spec, problems } = toSpec(a);
    assert.deepEqual(
      problems.map((p) => [p.code, p.ids]),
      [['target-missing', [hist, locked]]],
    );
    assert.equal(stateAt(spec, 'closed.hist').target, undefined);
    parseSpec(spec);
  });
});
