/**
 * One collaborative document in memory and its connections: the y-websocket protocol (sync and
 * awareness, from `y-protocols`) plus the studio's "saved" message (`app/collab/saved.ts`).
 *
 * Our own server on `y-protocols` rather than `@y/websocket-server`'s `setupWSConnection`: that
 * one sends its sync step 1 as soon as the socket opens and loads persistence beside it (the race
 * where a client syncs against an empty document before the stored one loaded), has no hook after a
 * commit for "saved", and applies a client's bytes to the shared document before anything checks
 * them. Here a room exists only once its document has loaded (`openRoom`), updates are checked on
 * a scratch document before they touch the shared one, and persistence is a queue per room.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { encodeSaved, messageSaved } from '../../app/collab/saved.ts';
import type { DocStore } from './docStore.ts';

const messageSync = 0;
const messageAwareness = 1;
const messageQueryAwareness = 3;

/**
 * Server → client `varUint(101)`: "this connection is read-only (a viewer): your document updates
 * are dropped". Sent once per connection: on the first non-empty update the server drops, or as
 * soon as an editor connected is demoted to viewer (`setReadOnly`); the socket stays open and
 * keeps receiving the document.
 */
export const messageReadOnly = 101;

/** Close code for a message the server refuses (malformed); 1009 (too big) comes from `ws`. */
export const CLOSE_MALFORMED = 1007;

/** When a room compacts its rows: after this many appended, or this long without an update. */
export interface CompactionPolicy {
  /** Rows appended since the last compaction that trigger one. Default 200. */
  afterRows: number;
  /** Idle time (ms) after the last append that triggers one. Default 10 s. */
  idleMs: number;
  /**
   * The longest the first update of a commit waits for others to join it (a group commit), in ms.
   * Default 100: one database write per burst of typing instead of one per keystroke. PGlite runs
   * on the server's own thread, so a commit per edit was most of the CPU per edit and the latency
   * tail other clients saw (studio/bench/collab.bench.ts); "saved" comes at most that much later,
   * which a person does not notice. Broadcasting never waits for it.
   */
  commitDelayMs: number;
  /**
   * A commit starts sooner once the document has been quiet this long (ms; default 5), so that its
   * work falls between edits rather than on the next one.
   */
  commitQuietMs: number;
}

/** The origin of updates read from the database (`applyStored`): not appended again. */
const fromDatabase = Symbol('from the database');

/** The origin of awareness removed because its socket left (announced to other studios too). */
const leaving = Symbol('a client left');
/** The origin of awareness another studio's clients announced (`relay.ts`): not announced again. */
const fromRelay = Symbol('another studio');

export class Room {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  /** Each socket and the awareness client ids it announced. */
  private readonly conns = new Map<WebSocket, Set<number>>();
  private readonly savedWatchers = new Set<WebSocket>();
  /** Viewers' sockets, and whether each was told its updates are dropped. */
  private readonly readOnly = new Map<WebSocket, boolean>();
  /**
   * Updates waiting for their commit, with the state vector right after each; `update` is absent
   * for one read from the database (`applyStored`), already committed, which only has to wait for
   * the updates before it to be reported saved.
   */
  private pending: { update?: Uint8Array; stateVector: Uint8Array }[] = [];
  private savedStateVector: Uint8Array;
  /** The persistence queue: appends and compactions, one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private flushing = false;
  private commitTimer: NodeJS.Timeout | undefined;
  /** When the oldest update of the scheduled commit arrived (performance.now()). */
  private firstPendingAt = 0;
  private appendedSinceCompaction = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Sockets and upgrades in progress holding this room open. */
  refs = 0;
  /**
   * Called with each awareness change of this room's own clients (a join, a pointer, a leave), for
   * the other studios on the same database (`relay.ts`). Presence is not stored.
   */
  onLocalAwareness: ((update: Uint8Array) => void) | undefined;
  failed = false;
  /** Every socket is read-only, whatever its role: the document is newer than this code. */
  readOnlyForAll = false;

  constructor(
    readonly id: string,
    private readonly store: DocStore,
    private readonly policy: CompactionPolicy,
    private readonly onFailure: (room: Room, error: unknown) => void,
    stored: Uint8Array,
  ) {
    Y.applyUpdate(this.doc, stored, 'load');
    this.savedStateVector = Y.encodeStateVector(this.doc);
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const message = frame(messageSync, (e) => syncProtocol.writeUpdate(e, update));
      for (const ws of this.conns.keys()) if (ws !== origin) send(ws, message);
      this.pending.push({
        update: origin === fromDatabase ? undefined : update,
        stateVector: Y.encodeStateVector(this.doc),
      });
      this.flush();
    });
    this.awareness.on(
      'update',
      (
        { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
        origin: unknown,
      ) => {
        const changed = [...added, ...updated, ...removed];
        const ids = this.conns.get(origin as WebSocket);
        if (ids) {
          for (const id of [...added, ...updated]) ids.add(id);
          for (const id of removed) ids.delete(id);
        }
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
        const message = frame(messageAwareness, (e) => encoding.writeVarUint8Array(e, update));
        for (const ws of this.conns.keys()) send(ws, message);
        if (this.onLocalAwareness && (ids || origin === leaving)) this.onLocalAwareness(update);
      },
    );
  }

  /**
   * Starts serving a socket: the document has loaded, so the sync step 1 is the stored state.
   * A `readOnly` socket (a viewer) gets the document and awareness, and its updates are dropped.
   */
  join(ws: WebSocket, options: { readOnly?: boolean } = {}): void {
    this.conns.set(ws, new Set());
    if (options.readOnly || this.readOnlyForAll) this.readOnly.set(ws, false);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || !this.receive(ws, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
        ws.close(CLOSE_MALFORMED, 'malformed message');
    });
    ws.on('close', () => this.leave(ws));
    send(
      ws,
      frame(messageSync, (e) => syncProtocol.writeSyncStep1(e, this.doc)),
    );
    if (this.awareness.getStates().size > 0)
      send(
        ws,
        frame(messageAwareness, (e) =>
          encoding.writeVarUint8Array(
            e,
            awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]),
          ),
        ),
      );
  }

  /**
   * Changes what an open socket may do, after its member's role changed (`attachCollab.ts` asks
   * again): the role held for a socket is the one of now, not the one it connected with. A demoted
   * editor's updates are dropped from the next message on, and it is told at once (101), so that
   * its page stops editing before anything more is typed; a promoted viewer's are applied.
   */
  setReadOnly(ws: WebSocket, readOnly: boolean): void {
    readOnly ||= this.readOnlyForAll;
    if (!this.conns.has(ws) || readOnly === this.readOnly.has(ws)) return;
    if (!readOnly) {
      this.readOnly.delete(ws);
      return;
    }
    this.readOnly.set(ws, true);
    send(
      ws,
      frame(messageReadOnly, () => {}),
    );
  }

  /** Handles one message; false when it is malformed (the caller closes the socket). */
  private receive(ws: WebSocket, data: Uint8Array): boolean {
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === messageSync) return this.receiveSync(ws, decoder);
      if (type === messageAwareness) {
        const update = decoding.readVarUint8Array(decoder);
        awarenessProtocol.applyAwarenessUpdate(this.awareness, update, ws);
      } else if (type === messageQueryAwareness) {
        const clients = [...this.awareness.getStates().keys()];
        send(
          ws,
          frame(messageAwareness, (e) =>
            encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)),
          ),
        );
      } else if (type === messageSaved) {
        this.savedWatchers.add(ws);
        send(ws, encodeSaved(this.savedStateVector));
      } else return false;
      return true;
    } catch {
      return false;
    }
  }

  private receiveSync(ws: WebSocket, decoder: decoding.Decoder): boolean {
    const kind = decoding.readVarUint(decoder);
    if (kind === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      send(
        ws,
        frame(messageSync, (e) => syncProtocol.writeSyncStep2(e, this.doc, stateVector)),
      );
      return true;
    }
    if (kind !== syncProtocol.messageYjsSyncStep2 && kind !== syncProtocol.messageYjsUpdate) return false;
    const update = decoding.readVarUint8Array(decoder);
    // Decoded whole first: Yjs reads an update's structs, integrates them, then reads its delete
    // set, so a malformed tail would throw after part of the update was integrated into the shared
    // document, broadcast and persisted. Decoding reads every struct and the delete set without
    // integrating anything: 1 µs for a keystroke, where applying it to a scratch document (how this
    // was checked before) took 70 µs, a tenth of the raw server's whole work per edit.
    // (studio/bench/collab.bench.ts)
    Y.decodeUpdate(update);
    const told = this.readOnly.get(ws);
    if (told !== undefined) {
      // A viewer: dropped, never applied nor persisted; told once when it tried to change something.
      const { structs, ds } = Y.decodeUpdate(update);
      if (!told && (structs.length > 0 || ds.clients.size > 0)) {
        this.readOnly.set(ws, true);
        send(
          ws,
          frame(messageReadOnly, () => {}),
        );
      }
      return true;
    }
    Y.applyUpdate(this.doc, update, ws);
    return true;
  }

  private leave(ws: WebSocket): void {
    const ids = this.conns.get(ws);
    if (!ids) return;
    this.conns.delete(ws);
    this.savedWatchers.delete(ws);
    this.readOnly.delete(ws);
    awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], leaving);
  }

  get connections(): number {
    return this.conns.size;
  }

  /**
   * Applies rows another studio committed (`relay.ts`): sent to this room's clients, not appended
   * again, and reported saved once the updates received before them are. What the document holds
   * already changes nothing (Yjs updates are idempotent).
   */
  applyStored(update: Uint8Array): void {
    if (!this.failed) Y.applyUpdate(this.doc, update, fromDatabase);
  }

  /** Applies the presence of another studio's clients (`relay.ts`): sent to this room's clients. */
  applyRemoteAwareness(update: Uint8Array): void {
    if (!this.failed) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, fromRelay);
  }

  /** Closes every socket (a client reconnects and syncs again). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.conns.keys()) ws.close(code, reason);
  }

  /**
   * Schedules a commit of what is pending: once the document is quiet for `commitQuietMs`, and at
   * the latest `commitDelayMs` after the oldest pending update. A commit already queued takes
   * everything pending when it starts.
   */
  private flush(): void {
    if (this.failed || (this.flushing && !this.commitTimer)) return;
    const { commitDelayMs, commitQuietMs } = this.policy;
    const now = performance.now();
    if (!this.flushing) {
      this.flushing = true;
      this.firstPendingAt = now;
    }
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const wait = Math.min(commitQuietMs, this.firstPendingAt + commitDelayMs - now);
    if (wait > 0) this.commitTimer = setTimeout(() => this.commitNow(), wait);
    else this.commitNow();
  }

  /** Commits what is pending, then tells the watchers what is saved. */
  private commitNow(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.enqueue(async () => {
      this.flushing = false;
      const batch = this.pending;
      this.pending = [];
      const last = batch.at(-1);
      if (!last) return;
      const updates = batch.flatMap((p) => (p.update ? [p.update] : []));
      await this.store.append(this.id, updates);
      this.savedStateVector = last.stateVector;
      const message = encodeSaved(this.savedStateVector);
      for (const ws of this.savedWatchers) send(ws, message);
      if (updates.length === 0) return;
      this.appendedSinceCompaction += updates.length;
      if (this.appendedSinceCompaction >= this.policy.afterRows) this.compact();
      else {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.compact(), this.policy.idleMs);
        this.idleTimer.unref();
      }
    });
  }

  /** Merges the stored rows into one (in the background, on the queue). */
  compact(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.appendedSinceCompaction = 0;
    return this.enqueue(async () => {
      await this.store.compact(this.id, this.doc);
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.failed) return;
      try {
        await task();
      } catch (error) {
        this.failed = true;
        this.onFailure(this, error);
      }
    });
    this.queue = run;
    return run;
  }

  /** Waits until everything received so far is committed (or the room failed). */
  async settled(): Promise<void> {
    while (this.pending.length > 0 && !this.failed) {
      this.flush();
      // Not waiting out the group commit's delay: a closing room commits at once.
      if (this.commitTimer) this.commitNow();
      await this.queue;
    }
    await this.queue;
  }

  destroy(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.commitTimer);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

function frame(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

function send(ws: WebSocket, message: Uint8Array): void {
  if (ws.readyState === ws.OPEN) ws.send(message);
}
