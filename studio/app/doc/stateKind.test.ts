import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envSource, type GymSpecInput, makeEnv, parseSpec } from '@palestra/envs/core';
import * as Y from 'yjs';
import {
  addState,
  historyDefaultChoices,
  moveState,
  placementProblem,
  removeState,
  renameState,
  setHistoryDefault,
  setInitial,
  setStateKind,
  stateKindOf,
  stateKindProblem,
} from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { docJson, docParts } from './schema.ts';
import { toSpec } from './toSpec.ts';

/**
 * A state's kind as the toolbar sets it (`setStateKind`): history states made in the document,
 * with their default state, come back in the spec as XState reads them and pass the kernel's
 * check; the kinds XState would ignore or loop on are refused with the reason, and nothing written.
 *
 * The fixture: a desk where the agent drafts and sends replies (`work`), steps away (`away`) and
 * comes back to where it left off; `work` is entered through a history state made here.
 */
function desk(): GymSpecInput {
  return {
    specVersion: 1,
    name: 'desk',
    version: '1.0.0',
    description: 'Draft a reply, send it, step away, and resume where you left off.',
    tasks: { list: [{ id: 't1', instructions: 'answer the ticket' }] },
    tools: [
      { name: 'send', description: 'send the draft', event: 'SEND' },
      { name: 'edit', description: 'edit the reply again', event: 'EDIT' },
      { name: 'pause', description: 'step away', event: 'PAUSE' },
      { name: 'back', description: 'come back', event: 'BACK' },
      { name: 'close', description: 'close the ticket', event: 'CLOSE' },
    ],
    machine: {
      initial: 'away',
      states: {
        away: { on: { BACK: 'work' } },
        work: {
          initial: 'draft',
          states: { draft: { on: { SEND: 'sent' } }, sent: { on: { EDIT: 'draft', CLOSE: '#done' } } },
          on: { PAUSE: 'away' },
        },
        done: { id: 'done', type: 'final' },
      },
    },
    observation: { template: '{{task.instructions}}' },
    limits: { maxSteps: 20 },
  } as GymSpecInput;
}

const idOf = (doc: Y.Doc, path: string) => [...toSpec(doc).paths].find(([, p]) => p === path)![0];

/** The spec of `doc`'s state at a dotted path. */
function specAt(doc: Y.Doc, path: string): Record<string, unknown> {
  let node = toSpec(doc).spec.machine as { states?: Record<string, unknown> };
  for (const key of path.split('.')) node = node.states![key] as typeof node;
  return node as Record<string, unknown>;
}

/** Counts the transactions a function makes (an edit is one, so one undo takes it back). */
function transactions(doc: Y.Doc, f: () => void): number {
  let n = 0;
  const count = () => n++;
  doc.on('afterTransaction', count);
  f();
  doc.off('afterTransaction', count);
  return n;
}

/** The desk with `work.resume` added, a deep history state, whose default is `work.sent`. */
function withResume() {
  const doc = fromSpec(desk());
  const work = idOf(doc, 'work');
  const resume = addState(doc, work, 'resume', 'me');
  assert.equal(setStateKind(doc, resume, 'deep-history', 'me'), undefined);
  setHistoryDefault(doc, resume, idOf(doc, 'work.sent'), 'me');
  // Into `work` through it: `away` comes back to where `work` was left.
  const back = [...docParts(doc).transitions.entries()].find(([, m]) => m.get('event') === 'BACK')![0];
  docParts(doc)
    .transitions.get(back)!
    .set('targets', [{ state: resume, raw: '' }]);
  return { doc, work, resume };
}

describe("a state's kind", () => {
  it('deep history with a default: in the spec as XState reads it, and accepted by the kernel', () => {
    const { doc } = withResume();
    assert.deepEqual(specAt(doc, 'work.resume'), { type: 'history', history: 'deep', target: 'sent' });
    assert.deepEqual(toSpec(doc).problems, []);
    parseSpec(toSpec(doc).spec);
  });

  it('the default follows a rename of the state it names, and the kernel enters it', async () => {
    const { doc } = withResume();
    renameState(doc, idOf(doc, 'work.sent'), 'mailed', 'me');
    assert.equal(specAt(doc, 'work.resume').target, 'mailed');
    const env = await makeEnv(envSource(toSpec(doc).spec));
    try {
      assert.deepEqual(env.reset({ seed: 1 }).info.state, ['away']);
      // `work` never entered: the history state enters its default, not `work`'s initial state.
      assert.deepEqual(env.step({ tool: 'back', arguments: {} }).info.state, ['work', 'work.mailed']);
      assert.deepEqual(env.step({ tool: 'edit', arguments: {} }).info.state, ['work', 'work.draft']);
      env.step({ tool: 'pause', arguments: {} });
      // Left in `draft`: the history state goes back there.
      assert.deepEqual(env.step({ tool: 'back', arguments: {} }).info.state, ['work', 'work.draft']);
    } finally {
      env.close();
    }
  });

  it('shallow history writes no `history` field; back to a state drops the history fields', () => {
    const { doc, resume } = withResume();
    setStateKind(doc, resume, 'shallow-history', 'me');
    assert.deepEqual(specAt(doc, 'work.resume'), { type: 'history', target: 'sent' });
    assert.equal(stateKindOf(docParts(doc).states.get(resume)), 'shallow-history');
    setStateKind(doc, resume, 'state', 'me');
    assert.deepEqual(specAt(doc, 'work.resume'), {});
    assert.equal(stateKindOf(docParts(doc).states.get(resume)), 'state');
    setStateKind(doc, resume, 'final', 'me');
    assert.deepEqual(specAt(doc, 'work.resume'), { type: 'final' });
  });

  it('each change is one transaction, taken back by one undo; the same kind again writes nothing', () => {
    const doc = fromSpec(desk());
    const resume = addState(doc, idOf(doc, 'work'), 'resume', 'me');
    const undo = new Y.UndoManager(Object.values(docParts(doc)) as Y.AbstractType<unknown>[], {
      trackedOrigins: new Set(['me']),
      captureTimeout: 0,
    });
    const before = docJson(doc);
    assert.equal(
      transactions(doc, () => setStateKind(doc, resume, 'deep-history', 'me')),
      1,
    );
    assert.equal(
      transactions(doc, () => setStateKind(doc, resume, 'deep-history', 'me')),
      0,
    );
    const made = docJson(doc);
    setHistoryDefault(doc, resume, idOf(doc, 'work.sent'), 'me');
    undo.undo();
    assert.deepStrictEqual(docJson(doc), made, 'one undo takes back the default alone');
    undo.undo();
    assert.deepStrictEqual(docJson(doc), before, 'and one more the kind');
  });

  it('refuses history at the top level, with children, with transitions, or entered first', () => {
    const doc = fromSpec(desk());
    const refuses = (path: string, code: string, words: RegExp) => {
      const before = docJson(doc);
      const refusal = setStateKind(doc, idOf(doc, path), 'shallow-history', 'me');
      assert.equal(refusal?.code, code, path);
      assert.match(refusal?.message ?? '', words);
      assert.deepStrictEqual(docJson(doc), before, 'nothing written');
    };
    refuses('away', 'history-at-top-level', /^away is at the top level: .*put it inside a state first$/);
    const draft = idOf(doc, 'work.draft');
    const note = addState(doc, draft, 'note', 'me');
    refuses(
      'work.draft',
      'history-has-children',
      /^work\.draft has 1 child state: .*move or delete them first$/,
    );
    removeState(doc, note, 'me');
    refuses(
      'work.draft',
      'history-has-transitions',
      /^work\.draft has 1 transition of its own: .*delete them first$/,
    );
    const spare = addState(doc, idOf(doc, 'work'), 'spare', 'me');
    setInitial(doc, spare, 'me');
    refuses(
      'work.spare',
      'history-is-initial',
      /is the state its parent enters first: .*make a sibling initial first$/,
    );
    // Its parent's only child: there is no sibling to make initial yet.
    const lone = addState(doc, idOf(doc, 'done'), 'lone', 'me');
    assert.match(
      stateKindProblem(doc, lone, 'deep-history')?.message ?? '',
      /add a sibling and make it initial first$/,
    );
    // A final state with children would never enter them.
    assert.equal(stateKindProblem(doc, idOf(doc, 'work'), 'final')?.code, 'final-has-children');
    // The rules bind history and final only.
    assert.equal(stateKindProblem(doc, idOf(doc, 'work'), 'state'), undefined);
    assert.equal(stateKindProblem(doc, idOf(doc, 'away'), 'final'), undefined);
  });

  it('a history state may name the states under its parent but itself, its parent and history states', () => {
    const { doc, work, resume } = withResume();
    const inner = addState(doc, idOf(doc, 'work.draft'), 'inner', 'me');
    const other = addState(doc, work, 'other', 'me');
    setStateKind(doc, other, 'shallow-history', 'me');
    const paths = (ids: string[]) => ids.map((i) => toSpec(doc).paths.get(i));
    assert.deepEqual(paths(historyDefaultChoices(doc, resume)), [
      'work.draft',
      'work.draft.inner',
      'work.sent',
    ]);
    assert.ok(historyDefaultChoices(doc, resume).includes(inner));
  });

  it('a parent whose initial state goes takes its first child that is not a history state', () => {
    const { doc, work } = withResume();
    // `resume` now comes before `spare` in `work`; draft is initial.
    const spare = addState(doc, work, 'spare', 'me');
    const order = (id: string) => Number(docParts(doc).states.get(id)!.get('order'));
    docParts(doc).states.get(idOf(doc, 'work.resume'))!.set('order', -1);
    assert.ok(order(idOf(doc, 'work.resume')) < order(spare));
    assert.ok(moveState(doc, idOf(doc, 'work.draft'), null, 'me'));
    assert.equal(specAt(doc, 'work').initial, 'sent');
    assert.ok(moveState(doc, idOf(doc, 'work.sent'), null, 'me'));
    assert.equal(specAt(doc, 'work').initial, 'spare', 'not the history state that comes first');
    parseSpec(toSpec(doc).spec);
  });

  it('adding or moving a state cannot break a history state', () => {
    const { doc, work, resume } = withResume();
    assert.match(
      placementProblem(doc, undefined, resume) ?? '',
      /^work\.resume is a history state: it holds no states/,
    );
    assert.match(placementProblem(doc, idOf(doc, 'away'), resume) ?? '', /it holds no states/);
    assert.match(placementProblem(doc, resume, null) ?? '', /at the top level it would remember nothing/);
    const away = idOf(doc, 'away');
    assert.match(
      placementProblem(doc, resume, away) ?? '',
      /^work\.resume is a history state: away would enter it first/,
    );
    assert.equal(placementProblem(doc, resume, work), undefined, 'among its siblings: allowed');
    assert.equal(placementProblem(doc, undefined, work), undefined);
    assert.equal(placementProblem(doc, idOf(doc, 'work.sent'), away), undefined, 'other states: allowed');
  });
});
