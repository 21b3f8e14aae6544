import type * as Y from 'yjs';
import { undoManagerFor } from '../collab/undo.ts';
import { localOrigin } from '../collab/useCollabDoc.ts';

/**
 * The origin of a creation or deletion made from the panel or the toolbar, after closing the undo
 * step before it: each is one undo step of its own, however quickly it follows the last edit (the
 * undo manager would otherwise merge edits less than its capture timeout apart, and one undo
 * would take back a guard and the rule added just before it).
 *
 * @example
 * addGuard(doc, 'hasOrderId', 'true', ownStep(doc));
 */
export function ownStep(doc: Y.Doc): symbol {
  undoManagerFor(doc).stopCapturing();
  return localOrigin;
}
