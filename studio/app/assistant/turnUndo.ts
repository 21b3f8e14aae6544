import type * as Y from 'yjs';
import { assistantOrigin, undoManagerFor } from '../collab/undo.ts';

/**
 * Makes one assistant turn one undo step on the shared undo manager (`undoManagerFor(doc)`), and
 * returns the function that ends the turn; it returns the turn's last undo stack item (undefined
 * when the turn changed nothing), so the chat can offer to undo the turn while it is on top.
 *
 * A turn's edits come seconds apart (each waits for a model call), far past the manager's capture
 * timeout, so left alone each tool call would be an undo step of its own. While the turn runs,
 * an assistant edit is appended to the turn's stack item as long as that item is still the top of
 * the undo stack (by marking the manager's last change as just now, which is how Yjs decides to
 * merge), and starts an item of its own otherwise; any other tracked edit (the member typing meanwhile) starts a stack item of its own, so
 * undoing the turn never takes the member's typing with it. If the member edits in the middle of a
 * turn, the turn's later edits go into a new item (one undo per uninterrupted stretch), because a
 * Yjs stack item is a contiguous stretch of the history.
 *
 * @example
 * const end = beginAssistantTurn(doc);
 * try { await runTools(); } finally { step = end(); }
 * undoManagerFor(doc).undo(); // the whole turn is gone; a colleague's edits stay
 */
export function beginAssistantTurn(doc: Y.Doc): () => unknown {
  const um = undoManagerFor(doc);
  um.stopCapturing();
  const items = new Set<unknown>();
  const onAdded = (event: { stackItem: unknown; origin: unknown; type: 'undo' | 'redo' }) => {
    if (event.type === 'undo' && event.origin === assistantOrigin) items.add(event.stackItem);
  };
  const before = (tr: Y.Transaction) => {
    const top = um.undoStack.at(-1);
    const turnOnTop = top !== undefined && items.has(top);
    if (tr.origin === assistantOrigin) {
      // Into the turn's item when it is on top; else a new item, never the member's.
      if (turnOnTop) um.lastChange = Date.now();
      else um.stopCapturing();
    } else if (turnOnTop) um.stopCapturing();
  };
  um.on('stack-item-added', onAdded);
  doc.on('beforeTransaction', before);
  return () => {
    um.off('stack-item-added', onAdded);
    doc.off('beforeTransaction', before);
    um.stopCapturing();
    return [...items].at(-1);
  };
}
