/**
 * Presence: what each person on an environment page tells the others through y-websocket's
 * awareness (who they are, their colour, their pointer on the canvas, the state they selected and
 * the field they are typing in), and how a page reads what the others told it. Pure and
 * browser-safe: the hook (`useCollabDoc.ts`) and the page do the I/O.
 *
 * Awareness states come from other browsers, so a state is parsed, never trusted: a malformed
 * one is left out rather than drawn.
 */

/** Who a person is on the page: their member id and name (from the page's loader) and colour. */
export interface PresenceUser {
  id: string;
  name: string;
  colour: string;
}

/** A field of the state inspector someone is typing in: the state (document id) and the field. */
export interface PresenceField {
  state: string;
  field: 'name' | 'description';
}

/**
 * One person's awareness state, the whole of it (y-websocket sends it whole on each change).
 * `cursor` is in React Flow's flow coordinates, so that it lands on the same spot of the chart
 * whatever each person's pan and zoom; `selection` is a state's document id, which survives a
 * rename (its dotted path does not).
 */
export interface PresenceState {
  user: PresenceUser;
  cursor: { x: number; y: number } | null;
  selection: string | null;
  field: PresenceField | null;
  /**
   * The label of the expression or form field they are typing in (`editing.label`, which the
   * expression editors publish: "the guard paid"), or null. Read only: the editors write it.
   */
  editingLabel?: string | null;
}

/** Another person on the page: their awareness state and their awareness client id. */
export interface Peer extends PresenceState {
  clientId: number;
}

/**
 * The colours people are drawn in. Each carries white text (the name tags) at 4.5:1 or more, and
 * the pointers are outlined in white, so every one reads on the light and the dark canvas.
 */
export const PRESENCE_COLOURS = [
  '#b3261e',
  '#1565c0',
  '#2e7d32',
  '#6a1b9a',
  '#8d4e00',
  '#00695c',
  '#ad1457',
  '#455a64',
] as const;

/**
 * A member's colour: the same member gets the same colour in every browser and on every visit
 * (FNV-1a of the member id picks one of `PRESENCE_COLOURS`).
 *
 * @example
 * colourFor('owner'); // always the same one of PRESENCE_COLOURS
 */
export function colourFor(memberId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < memberId.length; i++) {
    hash ^= memberId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return PRESENCE_COLOURS[hash % PRESENCE_COLOURS.length]!;
}

/**
 * The first awareness state a page sets for its member: no pointer, selection or field yet.
 *
 * @example
 * provider.awareness.setLocalState(initialPresence({ id: 'owner', name: 'owner' }));
 */
export function initialPresence(member: { id: string; name: string }): PresenceState {
  return {
    user: { id: member.id, name: member.name, colour: colourFor(member.id) },
    cursor: null,
    selection: null,
    field: null,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/**
 * An awareness state read from another browser, or undefined when it is not a `PresenceState`
 * (a plain y-websocket client, a script, a hostile peer). The colour must be one of ours, so a
 * peer cannot draw itself in a colour unreadable on the canvas.
 *
 * @example
 * parsePresence({ user: { id: 'a', name: 'Ann', colour: colourFor('a') }, cursor: null, selection: null, field: null });
 */
export function parsePresence(value: unknown): PresenceState | undefined {
  if (!isObject(value) || !isObject(value.user)) return undefined;
  const { id, name, colour } = value.user;
  if (!isShortString(id) || !isShortString(name) || typeof colour !== 'string') return undefined;
  if (!(PRESENCE_COLOURS as readonly string[]).includes(colour)) return undefined;
  const c = value.cursor;
  const cursor =
    isObject(c) && Number.isFinite(c.x) && Number.isFinite(c.y)
      ? { x: c.x as number, y: c.y as number }
      : null;
  const selection = isShortString(value.selection) ? value.selection : null;
  const f = value.field;
  const field =
    isObject(f) && isShortString(f.state) && (f.field === 'name' || f.field === 'description')
      ? { state: f.state, field: f.field as PresenceField['field'] }
      : null;
  const e = value.editing;
  const editingLabel =
    isObject(e) && typeof e.label === 'string' && e.label.length > 0 && e.label.length <= 200
      ? e.label
      : null;
  return {
    user: { id, name, colour },
    cursor,
    selection,
    field,
    ...(editingLabel !== null && { editingLabel }),
  };
}

/**
 * The other people on the page, from an awareness's states (`awareness.getStates()`): every valid
 * state but this browser's own, sorted by name then client id, so every page lists them alike.
 * One member in two tabs is two peers (two pointers).
 *
 * @example
 * const peers = peersOf(provider.awareness.getStates(), doc.clientID);
 */
export function peersOf(states: ReadonlyMap<number, unknown>, ownClientId: number): Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, raw] of states) {
    if (clientId === ownClientId) continue;
    const state = parsePresence(raw);
    if (state) peers.push({ ...state, clientId });
  }
  return peers.sort((a, b) => a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId);
}
