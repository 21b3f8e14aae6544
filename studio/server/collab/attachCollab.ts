/**
 * The collaboration server inside the studio's process: WebSocket upgrades of the studio's HTTP
 * server at `/collab/<environment-id>` speak the y-websocket protocol (see `room.ts`), and the
 * documents persist in the studio's database (`docStore.ts`).
 *
 * - With `authenticate` (the studio passes its members' rule): no credential is refused with 401,
 *   one that names no member with 403, and a member of another workspace than the document's
 *   with 403, all before any document byte; a viewer joins read-only (`room.ts`: its updates are
 *   dropped, and it is told once). A browser never sees an upgrade's status (its WebSocket API
 *   hides it: a bare 1006, which y-websocket retries forever), so a 403 to a browser (an upgrade
 *   with an `Origin` header) is an upgrade closed at once with `CLOSE_ACCESS_WITHDRAWN` instead,
 *   still before any document byte: its page stops and says why. Scripts get the HTTP status.
 * - An unknown environment id is refused with 404 before any document byte; so is a malformed path.
 * - The document loads before the upgrade completes, so no sync is ever answered from an empty one.
 * - A message over `MAX_MESSAGE` closes its socket (1009, by `ws` before the message is read); a
 *   malformed one closes its socket (1007); neither is applied nor persisted.
 * - Access follows membership at once: when a workspace's members or roles change
 *   (`auth/accessChanges.ts`: in this process, or announced by another studio through the relay),
 *   every open socket of its environments asks `authenticate` again with its upgrade request. A
 *   socket now refused (its member removed from the workspace) is closed with
 *   `CLOSE_ACCESS_WITHDRAWN` (4403); one whose member became a viewer is read-only from then on,
 *   and one who became an editor may edit (`Room.setReadOnly`).
 * - A room that could not save closes its sockets with 1011 (its clients reconnect to a room loaded
 *   again); `close()` closes them with 1001, commits what is pending and compacts, before the
 *   database closes.
 * - With `relay` (several studios on one PostgreSQL server), edits committed by the others reach
 *   this studio's clients (`relay.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GymSpecInput } from '@palestra/envs/core';
import { type WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { seedDoc } from '../../app/doc/fromSpec.ts';
import { migrateDoc } from '../../app/doc/migrate.ts';
import { onAccessChange } from '../auth/accessChanges.ts';
import type { StudioDatabase } from '../db/index.ts';
import { createRepository } from '../db/index.ts';
import { createDocStore, type DocStore } from './docStore.ts';
import { type Relay, type RelayOptions, startRelay } from './relay.ts';
import { type CompactionPolicy, Room } from './room.ts';

/** The largest message a client may send (1 MB). */
export const MAX_MESSAGE = 1024 * 1024;

/**
 * Close code for a socket whose member no longer may open its document (removed from the
 * workspace, a session gone), and for a browser's upgrade refused with 403. In y-websocket's
 * permanent band (4400-4499): its provider stops reconnecting instead of retrying into a refusal,
 * and the page says access was withdrawn (`app/collab/useCollabDoc.ts`). The other codes: 1007 malformed message (`room.ts`), 1009 too
 * big (`ws`), 1011 could not save, 1001 the studio is stopping.
 */
export const CLOSE_ACCESS_WITHDRAWN = 4403;

export interface AttachCollabOptions {
  /** When rooms commit and compact their rows; defaults: group commits after 5 ms quiet or 100 ms at most, 200 rows or 10 s idle. */
  compaction?: Partial<CompactionPolicy>;
  /**
   * Who may open document `id`, from the upgrade request: `readOnly` for a viewer, or the
   * refusal's status. Without it every client may edit (tests of the layer below members).
   */
  authenticate?: (
    req: IncomingMessage,
    id: string,
  ) => Promise<{ ok: true; readOnly: boolean } | { ok: false; status: 401 | 403 }>;
  /**
   * The content of an environment whose stored document is empty (never opened before): its spec
   * and files, written as the document's first row (`seedDoc`). Without it such a document starts
   * empty.
   */
  seed?: (id: string) => Promise<{ spec: GymSpecInput; files: Record<string, string> } | undefined>;
  /**
   * Several studios on one PostgreSQL server: `connect` makes a new client of that server
   * (`OpenedDatabase.newClient`) for the relay to listen on, so that an edit through one studio
   * reaches the clients of the others (`relay.ts`). Without it (PGlite: one process) nothing is
   * announced or listened for.
   */
  relay?: Pick<RelayOptions, 'connect' | 'heartbeatMs'>;
  /** Where notices go (a failed commit). Default: console.error. */
  log?: (line: string) => void;
}

/** What `attachCollab` returns. */
export interface Collab {
  store: DocStore;
  /** The rooms open now, by environment id (for tests). */
  rooms: ReadonlyMap<string, Promise<Room>>;
  /** With the `relay` option: resolves once it listens (for tests). */
  relay?: Pick<Relay, 'listening'>;
  /** Stops accepting, closes the sockets, commits and compacts every open document. */
  close(): Promise<void>;
}

/**
 * @example
 * const collab = attachCollab(server, database.db);
 * // a y-websocket client: new WebsocketProvider(`ws://host:port/collab`, environmentId, doc)
 * await collab.close();
 */
export function attachCollab(server: Server, db: StudioDatabase, options: AttachCollabOptions = {}): Collab {
  const log = options.log ?? ((line: string) => console.error(line));
  const policy: CompactionPolicy = {
    afterRows: 200,
    idleMs: 10_000,
    commitDelayMs: 100,
    commitQuietMs: 5,
    ...options.compaction,
  };
  // A tag for this studio's notifications, which its relay skips.
  const sender = options.relay ? randomBytes(9).toString('base64url') : undefined;
  const store = createDocStore(db, { announce: sender });
  const repo = createRepository(db);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  const rooms = new Map<string, Promise<Room>>();
  /** Each open socket's upgrade request and room: what asking again about its access needs. */
  const sockets = new Map<WebSocket, { req: IncomingMessage; room: Room }>();
  /** Counts access changes, so that an upgrade authenticated before one asks again once joined. */
  let accessEpoch = 0;
  let closing = false;

  const onFailure = (room: Room, error: unknown) => {
    log(`collab: could not save environment ${room.id}: ${error instanceof Error ? error.message : error}`);
    // Its clients reconnect to a room loaded again from the database, and their sync resends
    // what did not reach it.
    void rooms.get(room.id)?.then((current) => {
      if (current === room) rooms.delete(room.id);
    });
    room.closeAll(1011, 'could not save');
    room.destroy();
  };

  /** Asks again whether a socket's member may open its document, and applies the answer. */
  const recheck = async (ws: WebSocket, { req, room }: { req: IncomingMessage; room: Room }) => {
    if (!options.authenticate) return;
    let auth: Awaited<ReturnType<typeof options.authenticate>>;
    try {
      auth = await options.authenticate(req, room.id);
    } catch (error) {
      // Left as it was: the next change, or its next connection, asks again.
      log(
        `collab: could not check access to ${room.id} again: ${error instanceof Error ? error.message : error}`,
      );
      return;
    }
    if (!sockets.has(ws)) return;
    if (auth.ok) room.setReadOnly(ws, auth.readOnly);
    else ws.close(CLOSE_ACCESS_WITHDRAWN, 'access withdrawn');
  };

  /** The open sockets of workspace `workspaceId`'s environments (all of them without one) ask again. */
  const onAccess = async (workspaceId: string | undefined) => {
    accessEpoch += 1;
    if (!options.authenticate || sockets.size === 0) return;
    try {
      const ids =
        workspaceId === undefined
          ? undefined
          : new Set((await repo.listEnvironments({ workspaceIds: [workspaceId] })).map((e) => e.id));
      await Promise.all(
        [...sockets].filter(([, s]) => !ids || ids.has(s.room.id)).map(([ws, s]) => recheck(ws, s)),
      );
    } catch (error) {
      log(`collab: could not check access again: ${error instanceof Error ? error.message : error}`);
    }
  };
  const stopAccess = onAccessChange(db, (workspaceId) => void onAccess(workspaceId));

  const relay =
    options.relay && sender
      ? startRelay({
          ...options.relay,
          sender,
          store,
          rooms,
          onFailure,
          log,
          onAccess: (workspaceId) => void onAccess(workspaceId),
        })
      : undefined;

  /**
   * A stored document written by an older studio is lifted to this one's layout (`migrateDoc`)
   * before any client syncs, and the migration is appended like an edit, so that every client gets
   * the same document. Two studios that migrate one document at once write the same values under
   * their own client ids, which merge. A document from a newer studio is left as it is and served
   * read-only to everyone: this code could misread what it does not know.
   */
  const migrated = async (
    id: string,
    stored: Uint8Array,
  ): Promise<{ update: Uint8Array; newer: boolean }> => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored);
    const before = Y.encodeStateVector(doc);
    const { from, to, newer } = migrateDoc(doc);
    if (newer)
      log(`collab: environment ${id} has document layout ${from}, newer than this studio's: read-only`);
    if (to === from) return { update: stored, newer };
    await store.append(id, [Y.encodeStateAsUpdate(doc, before)]);
    log(`collab: environment ${id} lifted from document layout ${from} to ${to}`);
    return { update: Y.encodeStateAsUpdate(doc), newer };
  };

  const loadOrSeed = async (id: string): Promise<{ update: Uint8Array; newer?: boolean }> => {
    const stored = await store.load(id);
    if (stored.rows > 0) return migrated(id, stored.update);
    if (!options.seed) return stored;
    const source = await options.seed(id);
    if (!source) return stored;
    // Appended before any client syncs; a second server seeding at the same time appends the same
    // bytes (fixed client id), which merge as one.
    const update = Y.encodeStateAsUpdate(seedDoc(source.spec, source.files));
    await store.append(id, [update]);
    return { update };
  };

  const open = (id: string): Promise<Room> => {
    let room = rooms.get(id);
    if (!room) {
      room = loadOrSeed(id).then(({ update, newer }) => {
        const opened = new Room(id, store, policy, onFailure, update);
        opened.readOnlyForAll = newer === true;
        if (relay) opened.onLocalAwareness = (change) => relay.announcePresence(id, change);
        return opened;
      });
      room.catch(() => rooms.delete(id));
      rooms.set(id, room);
    }
    return room;
  };

  const release = async (room: Room) => {
    room.refs -= 1;
    if (room.refs > 0) return;
    await room.settled();
    if (room.refs === 0 && !closing && (await rooms.get(room.id)) === room) {
      rooms.delete(room.id);
      room.destroy();
    }
  };

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith('/collab/')) {
      // Ours is the only upgrade the studio serves unless another handler was added.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
      return;
    }
    socket.on('error', () => {});
    let id: string;
    try {
      id = decodeURIComponent(path.slice('/collab/'.length));
    } catch {
      return refuse(socket, 404, 'Not Found');
    }
    if (closing) return refuse(socket, 503, 'Service Unavailable');
    let room: Room;
    let readOnly = false;
    const epoch = accessEpoch;
    try {
      if (options.authenticate) {
        const auth = await options.authenticate(req, id);
        if (!auth.ok && auth.status === 403 && req.headers.origin !== undefined)
          return wss.handleUpgrade(req, socket, head, (ws) => {
            ws.on('error', () => {});
            ws.close(CLOSE_ACCESS_WITHDRAWN, 'access withdrawn');
          });
        if (!auth.ok) return refuse(socket, auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden');
        readOnly = auth.readOnly;
      }
      if (id === '' || id.includes('/') || !(await repo.getEnvironment(id)))
        return refuse(socket, 404, 'Not Found');
      room = await open(id);
    } catch (error) {
      log(`collab: could not open environment ${id}: ${error instanceof Error ? error.message : error}`);
      return refuse(socket, 500, 'Internal Server Error');
    }
    if (closing || room.failed || socket.destroyed) return refuse(socket, 503, 'Service Unavailable');
    room.refs += 1;
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.on('close', () => {
        sockets.delete(ws);
        void release(room);
      });
      const entry = { req, room };
      sockets.set(ws, entry);
      room.join(ws, { readOnly });
      // Access changed while this upgrade was being authenticated: its answer may be stale.
      if (accessEpoch !== epoch) void recheck(ws, entry);
    });
  };
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head);
  server.on('upgrade', listener);

  let closed: Promise<void> | undefined;
  return {
    store,
    rooms,
    relay,
    close() {
      closed ??= (async () => {
        closing = true;
        stopAccess();
        server.off('upgrade', listener);
        await relay?.close();
        const open = await Promise.allSettled(rooms.values());
        for (const r of open) if (r.status === 'fulfilled') r.value.closeAll(1001, 'the studio is stopping');
        for (const ws of wss.clients) ws.terminate();
        for (const r of open)
          if (r.status === 'fulfilled') {
            await r.value.settled();
            if (!r.value.failed) await r.value.compact();
            r.value.destroy();
          }
        rooms.clear();
        await new Promise<void>((done) => wss.close(() => done()));
      })();
      return closed;
    },
  };
}

function refuse(socket: Duplex, status: number, text: string): void {
  if (!socket.destroyed)
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
