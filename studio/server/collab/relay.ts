/**
 * Several studios on one PostgreSQL server serving the same documents: an edit committed by one
 * reaches the clients of the others.
 *
 * PostgreSQL's LISTEN/NOTIFY rather than Redis pub/sub: the studios already share the database, so
 * there is no second service to install, run and secure, and a notification is sent by the very
 * commit that makes the rows visible (`docStore.ts`, `append`): none announces rows that were not
 * committed, none is missing for rows that were, and it costs no round trip more than the append.
 * The payload (at most 8000 bytes) never carries the update: `<sender>:<first seq>:<environment
 * id>`, and the listener reads the rows.
 *
 * - Each studio listens on one connection of its own (LISTEN holds it: not one of the pool's) and
 *   skips its own notifications (its `sender` tag), so a room never applies its own appends again.
 * - For a document it has open, it reads the rows from the first seq of that append on
 *   (`DocStore.loadFrom`): those rows, or the merge that replaced them, which always has a higher
 *   seq. Reading more than that append is harmless (Yjs updates are idempotent). Notifications of
 *   one document that arrive while a read is under way are read together in one more read.
 * - The room applies them as committed (`Room.applyStored`): sent to its clients, not appended
 *   again, and reported saved as they are.
 * - A lost connection (closed, or silent: it must answer a heartbeat) is logged and reopened
 *   (backing off up to 5 s); once listening again, every open document is read whole, so what was
 *   committed meanwhile is not missed. The same happens on the first LISTEN, for rooms opened
 *   before it. A read that fails drops the room (as a failed commit does, `attachCollab.ts`): its
 *   clients reconnect to one loaded afresh from the database.
 * - Presence crosses too, on a second channel (`palestra_presence`): a room's own clients'
 *   awareness changes are sent in the notification itself (`<sender>:<environment id>:<base64>`;
 *   small, never stored, and dropped rather than queued while the connection is down: presence
 *   is renewed every 15 s by its clients anyway) and applied to the other studios' rooms.
 * - Access changes cross too, on a third channel (`palestra_access`, `auth/accessChanges.ts`): a
 *   member removed or a role changed through any studio makes every studio ask again about its
 *   open sockets of that workspace (`onAccess`). The studio that made the change hears its own
 *   notification as well; asking again is idempotent. Once listening again after a lost
 *   connection, every open socket asks again, as every open document is read again.
 * - With PGlite (one process) there is no relay: nothing is announced, nothing listened for.
 */
import type pg from 'pg';
import { ACCESS_CHANNEL } from '../auth/accessChanges.ts';
import { type DocStore, RELAY_CHANNEL } from './docStore.ts';
import type { Room } from './room.ts';

export interface RelayOptions {
  /** A new client of the shared PostgreSQL server, not connected yet (called again to reconnect). */
  connect: () => pg.Client;
  /** How often the listening connection must answer `select 1` (ms); default 15 s. */
  heartbeatMs?: number;
  /** This studio's tag in the notifications (`DocStoreOptions.announce`). */
  sender: string;
  store: DocStore;
  /** The rooms open now, by environment id (`attachCollab.ts`). */
  rooms: ReadonlyMap<string, Promise<Room>>;
  /** Drops a room whose rows could not be read. */
  onFailure: (room: Room, error: unknown) => void;
  /**
   * Who may open workspace `workspaceId`'s environments changed (through any studio), or, with
   * undefined, may have changed while not listening: the open sockets ask again.
   */
  onAccess?: (workspaceId: string | undefined) => void;
  log: (line: string) => void;
}

/** What `startRelay` returns. */
export interface Relay {
  /** Resolves once listening (again, after a lost connection). */
  listening(): Promise<void>;
  /** Sends a room's own clients' awareness change to the other studios (dropped while offline). */
  announcePresence(environmentId: string, update: Uint8Array): void;
  /** Stops listening and waits for the reads under way. */
  close(): Promise<void>;
}

/** How long to wait before reconnecting, after `attempt` failures in a row. */
const backoff = (attempt: number) => Math.min(5000, 100 * 2 ** (attempt - 1));

/** The channel of presence (awareness updates, in the payload). */
export const PRESENCE_CHANNEL = 'palestra_presence';

/** NOTIFY's payload limit is 8000 bytes: a larger awareness change (rare: many clients) is not sent. */
const MAX_PAYLOAD = 7900;

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error ?? 'closed'));

/** A promise and its resolve, and whether it was called. */
function pending(): { promise: Promise<void>; resolve(): void; done: boolean } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  const p = {
    promise,
    done: false,
    resolve() {
      p.done = true;
      resolve();
    },
  };
  return p;
}

/**
 * @example
 * const relay = startRelay({ connect: () => new pg.Client(url), sender, store, rooms, onFailure, log });
 * await relay.close();
 */
export function startRelay(options: RelayOptions): Relay {
  const { store, rooms, log, heartbeatMs = 15_000 } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  /** Resolved while listening; replaced by a pending one when the connection is lost. */
  let listening = pending();
  /** Per document, the lowest seq still to read from (0: the whole document). */
  const waiting = new Map<string, number>();
  const reads = new Map<string, Promise<void>>();

  const request = (id: string, seq: number) => {
    waiting.set(id, Math.min(seq, waiting.get(id) ?? seq));
    if (reads.has(id)) return;
    const read = drain(id).finally(() => reads.delete(id));
    reads.set(id, read);
  };

  const drain = async (id: string) => {
    for (let seq = waiting.get(id); seq !== undefined && !closed; seq = waiting.get(id)) {
      waiting.delete(id);
      const opening = rooms.get(id);
      // Closed since: a room opened later loads everything committed before it.
      if (!opening) continue;
      const room = await opening.catch(() => undefined);
      if (!room) continue;
      try {
        const update = await store.loadFrom(id, seq);
        if (rooms.get(id) === opening) room.applyStored(update);
      } catch (error) {
        if (closed) return;
        log(`collab relay: could not read environment ${id}'s new rows: ${reason(error)}`);
        options.onFailure(room, error);
      }
    }
  };

  const onPresence = (payload: string) => {
    const [, sender, id, data] = /^([^:]*):(.+):([A-Za-z0-9_-]*)$/s.exec(payload) ?? [];
    if (id === undefined || data === undefined || sender === options.sender) return;
    void rooms.get(id)?.then(
      (room) => room.applyRemoteAwareness(new Uint8Array(Buffer.from(data, 'base64url'))),
      () => {},
    );
  };

  const onNotification = ({ channel, payload }: pg.Notification) => {
    if (channel === ACCESS_CHANNEL) {
      if (payload) options.onAccess?.(payload);
      return;
    }
    if (channel === PRESENCE_CHANNEL) {
      try {
        onPresence(payload ?? '');
      } catch (error) {
        // A malformed presence message from another studio changes nothing here.
        log(`collab relay: ignored a presence message: ${reason(error)}`);
      }
      return;
    }
    const [, sender, seq, id] =
      (channel === RELAY_CHANNEL && /^([^:]*):(\d+):(.+)$/s.exec(payload ?? '')) || [];
    if (id === undefined || sender === options.sender || !rooms.has(id)) return;
    request(id, Number(seq));
  };

  const lost = (c: pg.Client, error?: unknown) => {
    if (client !== c) return;
    client = undefined;
    clearInterval(heartbeat);
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (closed) return;
    if (listening.done) listening = pending();
    failures += 1;
    const delay = backoff(failures);
    log(`collab relay: lost its PostgreSQL connection (${reason(error)}); listening again in ${delay} ms`);
    retry = setTimeout(connect, delay);
  };

  const connect = async () => {
    const c = options.connect();
    client = c;
    c.on('notification', onNotification);
    c.on('error', (error) => lost(c, error));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(
        `set application_name = 'palestra collab relay'; listen ${RELAY_CHANNEL}; listen ${PRESENCE_CHANNEL}; listen ${ACCESS_CHANNEL}`,
      );
    } catch (error) {
      return lost(c, error);
    }
    if (client !== c) return;
    if (failures > 0) log(`collab relay: listening again; reading the ${rooms.size} open documents`);
    failures = 0;
    // A connection the network dropped without a word (no FIN, no RST) delivers no notification
    // and reports no error: it is found by a question it does not answer in time, and reopened.
    heartbeat = setInterval(() => {
      const late = setTimeout(() => lost(c, new Error(`no answer in ${heartbeatMs} ms`)), heartbeatMs);
      late.unref();
      c.query('select 1').then(
        () => clearTimeout(late),
        (error) => {
          clearTimeout(late);
          lost(c, error);
        },
      );
    }, heartbeatMs);
    heartbeat.unref();
    for (const id of rooms.keys()) request(id, 0);
    options.onAccess?.(undefined);
    listening.resolve();
  };

  void connect();
  return {
    listening: () => listening.promise,
    announcePresence(environmentId, update) {
      const payload = `${options.sender}:${environmentId}:${Buffer.from(update).toString('base64url')}`;
      if (!client || !listening.done || payload.length > MAX_PAYLOAD) return;
      client.query('select pg_notify($1, $2)', [PRESENCE_CHANNEL, payload]).catch(() => {});
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
      await Promise.allSettled(reads.values());
    },
  };
}
