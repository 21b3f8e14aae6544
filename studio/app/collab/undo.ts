import * as Y from 'yjs';
import { docParts } from '../doc/schema.ts';
import { localOrigin } from './useCollabDoc.ts';

/**
 * The origin of the design assistant's edits in this browser (the assistant's tool calls run here,
 * on this member's document): tracked by this member's undo manager, so that one undo takes back
 * what the assistant did for them, and told apart from their own typing in the chat's list of effects.
 */
export const assistantOrigin = Symbol('palestra:assistant-edit');

const managers = new WeakMap<Y.Doc, Y.UndoManager>();

/**
 * The one undo manager of this browser's document: it spans every part of the document and tracks
 * only this browser's own origins (its edits and its assistant's), never a colleague's update, so
 * undoing never removes a colleague's edit. The canvas, the expression editors (y-codemirror.next
 * adds its own origin to it) and the assistant all share it, so Ctrl+Z walks back one history.
 *
 * @example
 * const undo = undoManagerFor(doc);
 * renameState(doc, id, 'triage', localOrigin);
 * undo.undo(); // the rename is gone; a colleague's concurrent edit stays
 */
export function undoManagerFor(doc: Y.Doc): Y.UndoManager {
  let um = managers.get(doc);
  if (!um) {
    const parts = docParts(doc);
    um = new Y.UndoManager(Object.values(parts) as Y.AbstractType<unknown>[], {
      trackedOrigins: new Set<unknown>([localOrigin, assistantOrigin]),
      captureTimeout: 400,
    });
    managers.set(doc, um);
  }
  return um;
}
