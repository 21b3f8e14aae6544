import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { colourFor, initialPresence } from '../collab/presence.ts';
import { EDITING, editingPeers, editorAwareness, parseTextCursor, TEXT_CURSOR } from './editorAwareness.ts';

function person(id: string) {
  const doc = new Y.Doc();
  const awareness = new Awareness(doc);
  awareness.setLocalState(initialPresence({ id, name: id }));
  return { doc, awareness };
}

describe('editorAwareness', () => {
  it("keeps the editor's cursor apart from the canvas pointer, both ways", () => {
    const { doc, awareness } = person('ann');
    awareness.setLocalStateField('cursor', { x: 10, y: 20 });
    const view = editorAwareness(awareness);
    assert.equal(view.getLocalState()!.cursor, null, 'the canvas pointer is not a text cursor');
    const text = doc.getText('t');
    const cursor = {
      anchor: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, 0)),
      head: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, 0)),
    };
    view.setLocalStateField('cursor', cursor);
    assert.deepEqual(awareness.getLocalState()!.cursor, { x: 10, y: 20 });
    assert.deepEqual(awareness.getLocalState()![TEXT_CURSOR], cursor);
    assert.deepEqual(view.getLocalState()!.cursor, cursor);
  });

  it('shows the others with their checked colour and a valid cursor; drops the rest', () => {
    const { awareness } = person('me');
    const view = editorAwareness(awareness);
    const good = {
      anchor: { type: null, tname: 't', item: null, assoc: 0 },
      head: { type: null, tname: 't', item: null, assoc: 0 },
    };
    awareness.states.set(7, { ...initialPresence({ id: 'bob', name: 'bob' }), [TEXT_CURSOR]: good });
    awareness.states.set(8, {
      ...initialPresence({ id: 'eve', name: 'eve' }),
      [TEXT_CURSOR]: { anchor: 'x' },
    });
    awareness.states.set(9, { user: { id: 'mal', name: 'mal', colour: '#fff' }, [TEXT_CURSOR]: good });
    const states = view.getStates();
    assert.deepEqual([...states.keys()], [7]);
    assert.deepEqual(states.get(7)!.user, {
      name: 'bob',
      color: colourFor('bob'),
      colorLight: `${colourFor('bob')}33`,
    });
    assert.equal(parseTextCursor({ anchor: good.anchor }), null);
  });

  it('passes a change on only when a text cursor changed', () => {
    const { awareness } = person('me');
    const view = editorAwareness(awareness);
    let calls = 0;
    const listener = () => {
      calls++;
    };
    view.on('change', listener);
    awareness.setLocalStateField('cursor', { x: 1, y: 1 });
    awareness.setLocalStateField('cursor', { x: 2, y: 2 });
    assert.equal(calls, 0, 'pointer moves are not passed on');
    view.setLocalStateField('cursor', { anchor: {}, head: {} });
    assert.equal(calls, 1);
    view.off('change', listener);
    view.setLocalStateField('cursor', null);
    assert.equal(calls, 1);
  });

  it('editingPeers: who types in which field, malformed and own states left out', () => {
    const states = new Map<number, unknown>([
      [1, { ...initialPresence({ id: 'me', name: 'me' }), [EDITING]: { key: 'guard:a', label: 'guard a' } }],
      [
        2,
        { ...initialPresence({ id: 'zoe', name: 'zoe' }), [EDITING]: { key: 'guard:a', label: 'guard a' } },
      ],
      [
        3,
        { ...initialPresence({ id: 'bob', name: 'bob' }), [EDITING]: { key: 'guard:a', label: 'guard a' } },
      ],
      [4, { ...initialPresence({ id: 'al', name: 'al' }), [EDITING]: { key: '', label: 'x' } }],
      [5, { [EDITING]: { key: 'guard:a', label: 'guard a' } }],
    ]);
    const peers = editingPeers(states, 1);
    assert.deepEqual([...peers.keys()], ['guard:a']);
    assert.deepEqual(
      peers.get('guard:a')!.map((p) => p.name),
      ['bob', 'zoe'],
    );
  });
});
