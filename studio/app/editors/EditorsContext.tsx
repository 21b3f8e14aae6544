import { createContext, useContext, useEffect, useState } from 'react';
import type * as Y from 'yjs';
import type { Vocabulary } from './completions.ts';
import { type AwarenessLike, editingPeers } from './editorAwareness.ts';

/** A colleague typing in an editor: their name, colour and awareness client id. */
export interface TypingPeer {
  clientId: number;
  name: string;
  colour: string;
}

/** What every editor of the side panel shares: the document and who is where. */
export interface EditorsContextValue {
  doc: Y.Doc;
  /** A viewer: every field disabled, every editor read-only. */
  readOnly: boolean;
  awareness: AwarenessLike | undefined;
  /** The names to complete, from the spec the document describes now. */
  vocabulary: () => Vocabulary;
  /** State document id → dotted path, as `toSpec` writes the spec now (the lists of states offered). */
  paths: () => ReadonlyMap<string, string>;
  /**
   * The least and most an episode can return under the reward rules as they are now, when every
   * rule is a constant (`deriveRewardBounds`); undefined otherwise, or while the spec does not parse.
   */
  rulesRange: () => { min: number; max: number } | undefined;
  /** Editing key → the colleagues typing there. */
  typing: ReadonlyMap<string, TypingPeer[]>;
}

export const EditorsContext = createContext<EditorsContextValue | undefined>(undefined);

/** The side panel's editing context; only inside `EditablePanel`. */
export function useEditors(): EditorsContextValue {
  const value = useContext(EditorsContext);
  if (!value) throw new Error('useEditors is only for the editors inside EditablePanel');
  return value;
}

const NONE: ReadonlyMap<string, TypingPeer[]> = new Map();

/**
 * Who is typing in which editor, from the awareness; a new map only when that changed (pointers on
 * the canvas change the awareness many times a second).
 */
export function useTypingPeers(awareness: AwarenessLike | undefined): ReadonlyMap<string, TypingPeer[]> {
  const [typing, setTyping] = useState(NONE);
  useEffect(() => {
    if (!awareness) return;
    let last = '';
    const read = () => {
      const next = editingPeers(awareness.getStates(), awareness.clientID);
      const json = JSON.stringify([...next]);
      if (json === last) return;
      last = json;
      setTyping(next);
    };
    read();
    awareness.on('change', read);
    return () => awareness.off('change', read);
  }, [awareness]);
  return typing;
}
