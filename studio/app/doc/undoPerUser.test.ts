import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Y from 'yjs';
import { undoManagerFor } from '../collab/undo.ts';
import { localOrigin } from '../collab/useCollabDoc.ts';
import { starterSpec } from '../edit/newSpec.ts';
import { addState, moveState, removeState, renameState, setFinal } from './edits.ts';
import { fromSpec } from './fromSpec.ts';
import { docParts } from './schema.ts';

/**
 * Undo per user: each browser's one undo manager (`undoManagerFor`) takes back its own canvas
 * edits, made with `localOrigin`, and never a colleague's, which arrive as updates.
 */

const names = (doc: Y.Doc) => new Set([...docParts(doc).states.values()].map((m) => String(m.get('name'))));

/** Two peers that pass every update on as it happens, like a y-websocket room. */
function room(): [Y.Doc, Y.Doc] {
  const base = fromSpec(starterSpec({ name: 'desk', state: 'open', tool: 'lookup', event: 'LOOKUP' }));
  const [a, b] = [new Y.Doc(), new Y.Doc()];
  for (const d of [a, b]) Y.applyUpdate(d, Y.encodeStateAsUpdate(base));
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
  return [a, b];
}

test("each one's undo takes back their own edits and leaves the colleague's", () => {
  const [a, b] = room();
  const undoA = undoManagerFor(a);
  const undoB = undoManagerFor(b);
  assert.equal(undoManagerFor(a), undoA, 'one manager per document');

  const review = addState(a, null, 'review', localOrigin);
  undoA.stopCapturing();
  const done = addState(b, null, 'done', localOrigin);
  undoB.stopCapturing();
  renameState(a, review, 'reviewing', localOrigin);
  undoA.stopCapturing();
  setFinal(b, done, true, localOrigin);
  undoB.stopCapturing();
  // B nests its state in A's: undoing A's add later must not take B's move with it silently.
  const inner = addState(b, null, 'inner', localOrigin);
  undoB.stopCapturing();
  moveState(b, inner, review, localOrigin);
  undoB.stopCapturing();
  assert.deepEqual(names(a), new Set(['open', 'reviewing', 'done', 'inner']));

  undoA.undo(); // A's rename
  assert.deepEqual(names(a), new Set(['open', 'review', 'done', 'inner']));
  assert.deepEqual(names(b), names(a));
  assert.equal(docParts(b).states.get(done)?.get('type'), 'final', "B's final mark stays");
  assert.equal(docParts(a).states.get(inner)?.get('parent'), review, "B's move stays");

  undoB.undo(); // B's move
  undoB.undo(); // B's add of inner
  assert.deepEqual(names(a), new Set(['open', 'review', 'done']));
  assert.equal(docParts(a).states.get(review)?.get('name'), 'review', "A's state stays");

  undoB.redo();
  assert.ok(names(a).has('inner'));
  undoA.redo();
  assert.ok(names(b).has('reviewing'));
  // A colleague's remote update is never on one's own stack.
  assert.equal(undoA.undoStack.length, 2);
});

test('a delete is one undo step, and undoing it brings the state and its transitions back', () => {
  const [a] = room();
  const undo = undoManagerFor(a);
  const review = addState(a, null, 'review', localOrigin);
  const inner = addState(a, review, 'inner', localOrigin);
  undo.stopCapturing();
  const before = a.getMap('states').toJSON();
  removeState(a, review, localOrigin);
  assert.equal(docParts(a).states.has(inner), false);
  undo.undo();
  assert.deepEqual(a.getMap('states').toJSON(), before);
});
