/**
 * What the environment page says about its collaborative document, in words (a `role=status`
 * line): pure, from what the hook (`useCollabDoc.ts`) observed of its connection.
 */

/** The document's status. */
export type CollabStatus = 'connecting' | 'saved' | 'saving' | 'offline' | 'read-only' | 'withdrawn';

/** What the status is computed from. */
export interface CollabConnection {
  /** The socket is open. */
  connected: boolean;
  /** The socket's sync with the server finished (both sides sent what the other lacked). */
  synced: boolean;
  /** A socket was open once, or an attempt to open one failed: not merely starting any more. */
  triedOnce: boolean;
  /** The last "saved" message covers every change in this browser's document. */
  saved: boolean;
  /** A viewer: the loader said so, or the server dropped an update (message 101). */
  readOnly: boolean;
  /**
   * This member may no longer open the document (removed from its workspace): the studio closed
   * the socket for good (4403). Nothing reconnects.
   */
  withdrawn: boolean;
}

/** The words of each status, as the page shows them. */
export const STATUS_TEXT: Record<CollabStatus, string> = {
  connecting: 'Connecting…',
  saved: 'Saved',
  saving: 'Saving…',
  offline: 'Offline: your edits are kept in this browser and sent when the studio is back',
  'read-only': 'Read-only (viewer)',
  withdrawn:
    'Access withdrawn: you are no longer a member of this workspace. What you had here stays in this browser',
};

/**
 * The status of a connection. Withdrawn wins over everything (nothing will change any more);
 * offline over read-only (a viewer should know they see an old copy); "Saved" needs the server's
 * "saved" message, never only an open socket.
 *
 * @example
 * collabStatus({ connected: true, synced: true, triedOnce: true, saved: false, readOnly: false, withdrawn: false }); // 'saving'
 */
export function collabStatus(c: CollabConnection): CollabStatus {
  if (c.withdrawn) return 'withdrawn';
  if (!c.connected) return c.triedOnce ? 'offline' : 'connecting';
  if (!c.synced) return 'connecting';
  if (c.readOnly) return 'read-only';
  return c.saved ? 'saved' : 'saving';
}
