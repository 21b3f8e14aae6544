/**
 * Undo and redo of this browser's own edits on the environment page: the document's one undo
 * manager (`undoManagerFor`, which tracks only this browser's origins, so a colleague's edit is
 * never undone), its buttons' state, and the keys Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y (⌘ on a Mac).
 */
import { useCallback, useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { undoManagerFor } from '../collab/undo.ts';

export interface Undo {
  undo(): void;
  redo(): void;
  canUndo: boolean;
  canRedo: boolean;
}

/**
 * Keys typed into a field are the field's: its own text undo (and a CodeMirror editor's, bound to
 * the same manager by y-codemirror.next) must not undo a canvas edit as well.
 */
function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el?.closest?.('input, textarea, select, [contenteditable="true"], .cm-editor');
}

/**
 * @example
 * const undo = useUndo(doc);
 * <button disabled={!undo.canUndo} onClick={undo.undo}>Undo</button>
 */
export function useUndo(doc: Y.Doc | undefined): Undo {
  const [stacks, setStacks] = useState({ canUndo: false, canRedo: false });
  useEffect(() => {
    if (!doc) return;
    const um = undoManagerFor(doc);
    const update = () => setStacks({ canUndo: um.canUndo(), canRedo: um.canRedo() });
    update();
    um.on('stack-item-added', update);
    um.on('stack-item-popped', update);
    um.on('stack-cleared', update);
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || typingIn(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) um.undo();
      else if ((key === 'z' && e.shiftKey) || key === 'y') um.redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      um.off('stack-item-added', update);
      um.off('stack-item-popped', update);
      um.off('stack-cleared', update);
      window.removeEventListener('keydown', onKey);
    };
  }, [doc]);
  const undo = useCallback(() => {
    if (doc) undoManagerFor(doc).undo();
  }, [doc]);
  const redo = useCallback(() => {
    if (doc) undoManagerFor(doc).redo();
  }, [doc]);
  return { undo, redo, ...stacks };
}
