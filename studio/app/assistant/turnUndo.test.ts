import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import * as Y from 'yjs';
import { undoManagerFor } from '../collab/undo.ts';
import { localOrigin } from '../collab/useCollabDoc.ts';
import { renameState } from '../doc/edits.ts';
import { fromSpec } from '../doc/fromSpec.ts';
import { toSpec } from '../doc/toSpec.ts';
import { executeTool, type ToolHost } from './executeTool.ts';
import { beginAssistantTurn } from './turnUndo.ts';

// One undo takes back an assistant turn of several edits, however far apart they came, and leaves
// a colleague's concurrent edit and the member's own edits. The member's document and a
// colleague's are kept in sync as the collaboration server would relay them.

const REMOTE = 'remote';
const NO_HOST: ToolHost = {
  problems: async () => ({ state: 'pending' }),
  runs: async () => ({}),
  run: async () => ({}),
};

function pair() {
  const member = fromSpec(loadCatalog('frozen-lake').spec);
  const colleague = new Y.Doc();
  Y.applyUpdate(colleague, Y.encodeStateAsUpdate(member), REMOTE);
  member.on(
    'update',
    (u: Uint8Array, origin: unknown) => origin !== REMOTE && Y.applyUpdate(colleague, u, REMOTE),
  );
  colleague.on(
    'update',
    (u: Uint8Array, origin: unknown) => origin !== REMOTE && Y.applyUpdate(member, u, REMOTE),
  );
  return { member, colleague };
}

const stateId = (doc: Y.Doc, path: string) => [...toSpec(doc).paths].find(([, p]) => p === path)![0];
const states = (doc: Y.Doc) => Object.keys((toSpec(doc).spec.machine as { states: object }).states).sort();
const tasks = (doc: Y.Doc) => ((toSpec(doc).spec.tasks as { list: unknown[] }).list ?? []).length;
let n = 0;
const run = (doc: Y.Doc, name: string, args: unknown) =>
  executeTool(doc, { id: `t${++n}`, name, arguments: JSON.stringify(args) }, NO_HOST).then((o) => {
    assert.equal(o.ok, true, o.effect);
    return JSON.parse(o.content) as { id?: string };
  });

describe('one undo per assistant turn', () => {
  it('takes back every edit of the turn and leaves the colleague’s and the member’s own', async () => {
    const { member, colleague } = pair();
    const um = undoManagerFor(member);
    renameState(member, stateId(member, 'goal'), 'treasure', localOrigin);

    const end = beginAssistantTurn(member);
    await run(member, 'add_state', { name: 'ask' });
    // Each model call takes seconds, past the capture timeout: as if it had elapsed.
    um.stopCapturing();
    renameState(colleague, stateId(colleague, 'hole'), 'pit', 'colleague');
    await run(member, 'add_transition', { source: 'ask', event: 'MOVE', target: 'frozen' });
    um.stopCapturing();
    await run(member, 'add_tasks', { tasks: [{ id: 'x', instructions: 'y' }] });
    end();

    assert.deepEqual(states(member), ['ask', 'frozen', 'pit', 'treasure']);
    assert.equal(tasks(member), 2);
    assert.equal(um.undoStack.length, 2, "the member's rename, then the whole turn");
    um.undo();
    assert.deepEqual(
      states(member),
      ['frozen', 'pit', 'treasure'],
      'the turn is gone, the colleague’s rename stays',
    );
    assert.equal(tasks(member), 1);
    assert.deepEqual(states(colleague), states(member));
    um.undo();
    assert.deepEqual(states(member), ['frozen', 'goal', 'pit']);
    // And redo brings the turn back whole.
    um.redo();
    um.redo();
    assert.deepEqual(states(colleague), ['ask', 'frozen', 'pit', 'treasure']);
  });

  it('the member typing during a turn stays out of the turn’s undo step', async () => {
    const { member } = pair();
    const um = undoManagerFor(member);
    const end = beginAssistantTurn(member);
    await run(member, 'add_state', { name: 'first' });
    // The member edits right away (well within the capture timeout): a step of its own.
    renameState(member, stateId(member, 'hole'), 'pit', localOrigin);
    await run(member, 'add_state', { name: 'second' });
    end();
    // Edits right after the turn are the member's own step too.
    renameState(member, stateId(member, 'goal'), 'treasure', localOrigin);
    assert.equal(um.undoStack.length, 4);
    um.undo();
    assert.deepEqual(states(member), ['first', 'frozen', 'goal', 'pit', 'second']);
    um.undo();
    assert.deepEqual(states(member), ['first', 'frozen', 'goal', 'pit']);
    um.undo();
    assert.deepEqual(states(member), ['first', 'frozen', 'goal', 'hole']);
    um.undo();
    assert.deepEqual(states(member), ['frozen', 'goal', 'hole']);
  });
});
