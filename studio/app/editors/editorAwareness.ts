import * as Y from 'yjs';
import { parsePresence } from '../collab/presence.ts';

/**
 * The awareness fields the editors add to a person's presence state, and the view of awareness
 * that y-codemirror.next reads. Pure and browser-safe.
 *
 * y-codemirror.next keeps a person's text selection in `cursor` and their colour in `user.color`,
 * but the page's presence already uses `cursor` for the pointer on the canvas (flow coordinates)
 * and names the colour `colour`. `editorAwareness` gives y-codemirror.next an awareness that
 * stores its selection as `textCursor` and shows it each person's `colour`, so the two never
 * overwrite each other; other browsers' states are parsed (`parsePresence`), never trusted.
 */

/** The awareness field holding this person's selection in an editor (Yjs relative positions). */
export const TEXT_CURSOR = 'textCursor';
/** The awareness field naming the editor this person is typing in. */
export const EDITING = 'editing';

/** The editor someone is typing in: a stable key, and words for it (`the guard isPaid`). */
export interface EditingField {
  key: string;
  label: string;
}

/** The part of y-protocols' `Awareness` the editors use (what `yCollab` calls). */
export interface AwarenessLike {
  doc: Y.Doc;
  clientID: number;
  getLocalState(): Record<string, unknown> | null;
  setLocalStateField(field: string, value: unknown): void;
  getStates(): Map<number, Record<string, unknown>>;
  on(event: 'change', f: (...args: never[]) => void): void;
  off(event: 'change', f: (...args: never[]) => void): void;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A text cursor from another browser, or null when it is not two relative positions. */
export function parseTextCursor(value: unknown): { anchor: Json; head: Json } | null {
  if (!isObject(value) || !isObject(value.anchor) || !isObject(value.head)) return null;
  try {
    Y.createRelativePositionFromJSON(value.anchor);
    Y.createRelativePositionFromJSON(value.head);
  } catch {
    return null;
  }
  return { anchor: value.anchor, head: value.head };
}

/** The editing field of a presence state, or null when it is absent or malformed. */
export function parseEditing(value: unknown): EditingField | null {
  if (!isObject(value)) return null;
  const { key, label } = value;
  const short = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= 200;
  return short(key) && short(label) ? { key, label } : null;
}

/** Who is typing in each editor: editing key → the people (name, colour, awareness client id). */
export function editingPeers(
  states: ReadonlyMap<number, unknown>,
  ownClientId: number,
): Map<string, { clientId: number; name: string; colour: string }[]> {
  const out = new Map<string, { clientId: number; name: string; colour: string }[]>();
  for (const [clientId, raw] of states) {
    if (clientId === ownClientId) continue;
    const presence = parsePresence(raw);
    const editing = isObject(raw) ? parseEditing(raw[EDITING]) : null;
    if (!presence || !editing) continue;
    const list = out.get(editing.key) ?? [];
    list.push({ clientId, name: presence.user.name, colour: presence.user.colour });
    out.set(editing.key, list);
  }
  for (const list of out.values())
    list.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
  return out;
}

/**
 * The awareness y-codemirror.next is given: `cursor` is read from and written to `textCursor`,
 * other people appear with `user.color` from their (checked) colour, and a change is passed on
 * only when someone's text cursor changed (pointers on the canvas move many times a second).
 *
 * @example
 * yCollab(ytext, editorAwareness(collab.awareness), { undoManager: undoManagerFor(doc) })
 */
export function editorAwareness(awareness: AwarenessLike): AwarenessLike {
  const listeners = new Map<(...args: never[]) => void, (...args: never[]) => void>();
  const cursorsSignature = () =>
    JSON.stringify([...awareness.getStates()].map(([id, s]) => [id, isObject(s) ? s[TEXT_CURSOR] : null]));
  return {
    doc: awareness.doc,
    clientID: awareness.clientID,
    getLocalState() {
      const state = awareness.getLocalState();
      return state && { ...state, cursor: state[TEXT_CURSOR] ?? null };
    },
    setLocalStateField(field, value) {
      awareness.setLocalStateField(field === 'cursor' ? TEXT_CURSOR : field, value);
    },
    getStates() {
      const out = new Map<number, Record<string, unknown>>();
      for (const [clientId, raw] of awareness.getStates()) {
        if (clientId === awareness.clientID) continue;
        const presence = parsePresence(raw);
        const cursor = isObject(raw) ? parseTextCursor(raw[TEXT_CURSOR]) : null;
        if (!presence || !cursor) continue;
        const { name, colour } = presence.user;
        out.set(clientId, { user: { name, color: colour, colorLight: `${colour}33` }, cursor });
      }
      return out;
    },
    on(event, f) {
      let signature = cursorsSignature();
      const wrapped = ((...args: never[]) => {
        const next = cursorsSignature();
        if (next === signature) return;
        signature = next;
        f(...args);
      }) as (...args: never[]) => void;
      listeners.set(f, wrapped);
      awareness.on(event, wrapped);
    },
    off(event, f) {
      const wrapped = listeners.get(f);
      if (wrapped) awareness.off(event, wrapped);
      listeners.delete(f);
    },
  };
}
