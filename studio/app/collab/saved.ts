/**
 * "Saved", in the browser: the y-websocket protocol has no acknowledgement, so the studio's
 * collaboration server (`server/collab/`) sends a message of its own after each database commit,
 * carrying the state vector it saved. A client opts in by sending that message type once per
 * connection (plain y-websocket clients never get it, so they never log "Unable to compute
 * message"). Browser-safe: yjs and lib0 only.
 *
 * Wire format (both directions), after y-websocket's own 0 sync, 1 awareness, 2 auth, 3 query:
 * - client → server: `varUint(100)`: send me "saved" messages on this connection;
 * - server → client: `varUint(100) varUint8Array(stateVector)`: every update covered by this
 *   Yjs state vector is committed to the database (sent on opt-in too, for the loaded document).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** The message type of "saved" (and of the opt-in), out of y-websocket's range (0–3). */
export const messageSaved = 100;

/** The opt-in message a client sends on each connection. */
export function encodeSavedOptIn(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSaved);
  return encoding.toUint8Array(encoder);
}

/** The server's "saved" message for a state vector. */
export function encodeSaved(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSaved);
  encoding.writeVarUint8Array(encoder, stateVector);
  return encoding.toUint8Array(encoder);
}

/**
 * Calls `onSaved(stateVector)` for every "saved" message of `provider`'s connections (it opts in
 * on each, reconnections included). Returns a function that stops watching.
 *
 * @example
 * const stop = watchSaved(provider, (sv) => setSaved(isSaved(doc, sv)));
 */
export function watchSaved(
  provider: WebsocketProvider,
  onSaved: (stateVector: Uint8Array) => void,
): () => void {
  provider.messageHandlers[messageSaved] = (_encoder, decoder) =>
    onSaved(decoding.readVarUint8Array(decoder));
  const optIn = () => provider.ws?.send(encodeSavedOptIn());
  const onStatus = ({ status }: { status: string }) => {
    if (status === 'connected') optIn();
  };
  provider.on('status', onStatus);
  if (provider.wsconnected) optIn();
  return () => {
    provider.off('status', onStatus);
    delete provider.messageHandlers[messageSaved];
  };
}

/**
 * True when every change in `doc` is covered by `savedStateVector` (the last "saved" message):
 * what the interface shows as "saved". Edits made since then make it false until the next one.
 *
 * @example
 * isSaved(doc, savedStateVector); // false right after a local edit, true once it is committed
 */
export function isSaved(doc: Y.Doc, savedStateVector: Uint8Array): boolean {
  const saved = Y.decodeStateVector(savedStateVector);
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc)))
    if ((saved.get(client) ?? 0) < clock) return false;
  return true;
}
