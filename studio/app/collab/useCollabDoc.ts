/**
 * An environment's collaborative document in the browser: a `Y.Doc` kept in IndexedDB
 * (`y-indexeddb`), so that it outlives the page and edits made while the studio is down are kept
 * and merge when it returns, and shared with the studio over y-websocket at `/collab/<id>` (the
 * session cookie authenticates the socket). Presence goes through the provider's awareness
 * (`presence.ts`); the status through the studio's "saved" message (`saved.ts`) and its read-only
 * message (101, sent to a viewer whose update it dropped, or to an editor just demoted).
 *
 * Access withdrawn (the member removed from the environment's workspace): the studio closes the
 * socket with 4403, at once when the member is removed, or right after the upgrade when it would
 * refuse it (403: removed while this page was offline), since a browser never sees an upgrade's
 * status. y-websocket takes 4403 as permanent (its 4400-4499 band): it stops reconnecting and says
 * `closed`. The page turns read-only and says so, and the document stays in IndexedDB: nothing
 * typed is lost, and nothing spins reconnecting into a refusal.
 */
import { useEffect, useState } from 'react';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { docParts } from '../doc/schema.ts';
import { type CollabConnection, type CollabStatus, collabStatus } from './collabStatus.ts';
import { initialPresence, type Peer, type PresenceState, peersOf } from './presence.ts';
import { isSaved, watchSaved } from './saved.ts';

/**
 * The origin of this browser's own edits (`renameState(doc, id, name, localOrigin)`): what tells
 * them apart from a colleague's (the provider's origin) and from IndexedDB's, so that an undo
 * manager (issue 17) can track only these.
 */
export const localOrigin = Symbol('palestra:local-edit');

/** The server's "this connection is read-only" message (`server/collab/room.ts`). */
export const messageReadOnly = 101;

/** The server's close code for "access withdrawn" (`server/collab/attachCollab.ts`). */
export const closeAccessWithdrawn = 4403;

/** What `useCollabDoc` gives the page. */
export interface CollabDoc {
  doc: Y.Doc;
  /** True once the document has content (from IndexedDB or the server): render from it then. */
  loaded: boolean;
  /** Counts the document's changes: what a view of the document is memoised on. */
  version: number;
  status: CollabStatus;
  /** A viewer: the loader said so, or the server dropped this browser's update. */
  readOnly: boolean;
  /** The other people on the page. */
  peers: Peer[];
  /** This browser's awareness state (its member, colour, pointer, selection, field). */
  me: PresenceState;
  /** Changes this browser's awareness state (everything but `user`). */
  setPresence(patch: Partial<Omit<PresenceState, 'user'>>): void;
  /** The provider's awareness itself: the expression editors keep their text cursors in it. */
  awareness: WebsocketProvider['awareness'];
}

/** The IndexedDB database of an environment's document. */
export const indexedDbName = (id: string) => `palestra-env-${id}`;

/**
 * Opens the document of studio environment `id` for `member` (undefined on the server and until
 * the browser has opened it). `readOnly` is the loader's word for a viewer; the server's message
 * 101 sets it too.
 *
 * @example
 * const collab = useCollabDoc(env.ref, { id: 'owner', name: 'owner' }, false);
 * if (collab?.loaded) render(toSpec(collab.doc));
 */
export function useCollabDoc(
  id: string,
  member: { id: string; name: string },
  readOnly: boolean,
): CollabDoc | undefined {
  const [collab, setCollab] = useState<CollabDoc>();
  const memberId = member.id;
  const memberName = member.name;

  useEffect(() => {
    const doc = new Y.Doc();
    const persistence = new IndexeddbPersistence(indexedDbName(id), doc);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`;
    // No BroadcastChannel: another tab of this browser is a peer through the studio like anyone
    // else, so a viewer's tab can never pass its edits to an editor's tab.
    const provider = new WebsocketProvider(url, id, doc, { disableBc: true });
    const awareness = provider.awareness;
    awareness.setLocalState(initialPresence({ id: memberId, name: memberName }));

    const connection: CollabConnection = {
      connected: false,
      synced: false,
      triedOnce: false,
      saved: false,
      readOnly,
      withdrawn: false,
    };
    let savedVector: Uint8Array | undefined;
    const hasContent = () => docParts(doc).header.size > 0;
    let loaded = hasContent();
    let version = 0;
    let live = true;

    const publish = () => {
      if (!live) return;
      connection.saved = savedVector !== undefined && isSaved(doc, savedVector);
      setCollab({
        doc,
        loaded,
        version,
        status: collabStatus(connection),
        readOnly: connection.readOnly,
        peers: peersOf(awareness.getStates(), doc.clientID),
        me: awareness.getLocalState() as PresenceState,
        setPresence: (patch) => {
          const state = awareness.getLocalState() as PresenceState | null;
          if (state) awareness.setLocalState({ ...state, ...patch });
        },
        awareness,
      });
    };

    /** No more socket: the page keeps what it has, read-only, and says access was withdrawn. */
    const withdraw = () => {
      if (!live || connection.withdrawn) return;
      connection.withdrawn = true;
      connection.readOnly = true;
      provider.disconnect();
      publish();
    };
    provider.on('closed', ({ code }) => {
      if (code === closeAccessWithdrawn) withdraw();
    });

    provider.messageHandlers[messageReadOnly] = () => {
      connection.readOnly = true;
      publish();
    };
    const stopSaved = watchSaved(provider, (stateVector) => {
      savedVector = stateVector;
      publish();
    });
    provider.on('status', ({ status }) => {
      connection.connected = status === 'connected';
      if (status === 'connected') connection.triedOnce = true;
      publish();
    });
    provider.on('connection-close', () => {
      connection.triedOnce = true;
      connection.connected = false;
      connection.synced = false;
      publish();
    });
    provider.on('sync', (synced: boolean) => {
      connection.synced = synced;
      publish();
    });
    const onUpdate = () => {
      loaded ||= hasContent();
      version += 1;
      publish();
    };
    doc.on('update', onUpdate);
    awareness.on('change', publish);
    void persistence.whenSynced.then(() => {
      loaded ||= hasContent();
      publish();
    });
    publish();

    return () => {
      live = false;
      stopSaved();
      awareness.off('change', publish);
      doc.off('update', onUpdate);
      provider.destroy();
      void persistence.destroy();
      doc.destroy();
    };
  }, [id, memberId, memberName, readOnly]);

  return collab;
}
