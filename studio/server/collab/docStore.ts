/**
 * The collaborative documents' rows in the studio's database (`doc_updates`): each Yjs update is
 * appended as it arrives, and `compact` merges an environment's rows into one. The document is the
 * merge of its rows in any order (Yjs updates commute), so appending never reads.
 *
 * With `announce` (several studios on one PostgreSQL server, `relay.ts`), each append also
 * notifies the others, in the same statement: see `append`.
 */
import { and, asc, count, eq, gte, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { docUpdates, type StudioDatabase } from '../db/index.ts';

/** The PostgreSQL channel on which studios announce their appends (`relay.ts`). */
export const RELAY_CHANNEL = 'palestra_collab';

/** What `createDocStore` returns. */
export interface DocStore {
  /** The stored document as one update (empty document: an empty update), and its row count. */
  load(environmentId: string): Promise<{ update: Uint8Array; rows: number }>;
  /**
   * The merge of the environment's rows from `seq` on: everything an append whose first row was
   * `seq` wrote, even once compacted (see `relay.ts`), and maybe more.
   */
  loadFrom(environmentId: string, seq: number): Promise<Uint8Array>;
  /** Appends updates in one statement (one commit). */
  append(environmentId: string, updates: Uint8Array[]): Promise<void>;
  /**
   * Merges the environment's rows into one, in a transaction: the rows read are deleted and their
   * merge inserted, so rows appended meanwhile (by another studio on one PostgreSQL) are kept.
   * Returns the row counts before and after. `holder`, the room's live document: when it already
   * holds every row read (the usual case), its own state is written instead of a merge of the rows.
   */
  compact(environmentId: string, holder?: Y.Doc): Promise<{ before: number; after: number }>;
  /** How many rows the environment has (for tests and the benchmark). */
  count(environmentId: string): Promise<number>;
}

export interface DocStoreOptions {
  /**
   * PostgreSQL only: this studio's tag. Each append then also sends `NOTIFY palestra_collab,
   * '<announce>:<first seq>:<environment id>'` (see `relay.ts`).
   */
  announce?: string;
}

/**
 * @example
 * const store = createDocStore(db);
 * await store.append(id, [Y.encodeStateAsUpdate(doc)]);
 * const { update } = await store.load(id);
 */
export function createDocStore(db: StudioDatabase, options: DocStoreOptions = {}): DocStore {
  const { announce } = options;
  const rowsOf = (environmentId: string, tx: Pick<StudioDatabase, 'select'> = db) =>
    tx
      .select({ seq: docUpdates.seq, update: docUpdates.update })
      .from(docUpdates)
      .where(eq(docUpdates.environmentId, environmentId))
      .orderBy(asc(docUpdates.seq));
  return {
    async load(environmentId) {
      const rows = await rowsOf(environmentId);
      return { update: mergeRows(rows.map((r) => r.update)), rows: rows.length };
    },
    async loadFrom(environmentId, seq) {
      const rows = await db
        .select({ update: docUpdates.update })
        .from(docUpdates)
        .where(and(eq(docUpdates.environmentId, environmentId), gte(docUpdates.seq, seq)));
      return mergeRows(rows.map((r) => r.update));
    },
    async append(environmentId, updates) {
      if (updates.length === 0) return;
      if (announce === undefined) {
        await db.insert(docUpdates).values(updates.map((update) => ({ environmentId, update })));
        return;
      }
      // One statement, so no round trip more than without the relay, and the notification is sent
      // by the same commit as the rows (PostgreSQL delivers it only once they are visible). The
      // first seq, not the last: seqs are taken before commit, so another studio's rows with a
      // lower seq may commit later; a reader of "seq ≥ first" gets all of these rows or the merge
      // that replaced them, whose seq is higher (`compact`).
      const rows = sql.join(
        updates.map((update) => sql`(${environmentId}, ${update})`),
        sql`, `,
      );
      await db.execute(sql`with inserted as (
          insert into ${docUpdates} (${sql.identifier(docUpdates.environmentId.name)}, ${sql.identifier(docUpdates.update.name)})
          values ${rows} returning ${sql.identifier(docUpdates.seq.name)} as seq)
        select pg_notify(${RELAY_CHANNEL}, ${announce} || ':' || min(seq) || ':' || ${environmentId}) from inserted`);
    },
    compact: (environmentId, holder) =>
      db.transaction(async (tx) => {
        const [{ rows: before } = { rows: 0 }] = await tx
          .select({ rows: count() })
          .from(docUpdates)
          .where(eq(docUpdates.environmentId, environmentId));
        if (before <= 1) return { before, after: before };
        // The merge is of the rows this delete removed, whatever their seqs: seqs are taken before
        // commit, so "seq ≤ the highest read" could catch a row committed after a read, and drop
        // its update. Rows committed after this statement began are kept (and merged next time).
        const rows = await tx
          .delete(docUpdates)
          .where(eq(docUpdates.environmentId, environmentId))
          .returning({ update: docUpdates.update });
        if (rows.length > 0) {
          const updates = rows.map((r) => r.update);
          const merged =
            holder && holdsAll(holder, updates) ? Y.encodeStateAsUpdate(holder) : mergeRows(updates);
          await tx.insert(docUpdates).values({ environmentId, update: merged });
        }
        return { before: rows.length, after: rows.length > 0 ? 1 : 0 };
      }),
    async count(environmentId) {
      return (await rowsOf(environmentId)).length;
    },
  };
}

/**
 * One update holding all of `updates`: applied to one document in one transaction and encoded,
 * rather than `Y.mergeUpdates`, which took about 1 s for 10,000 rows against tens of ms this way
 * (studio/bench/collab.bench.ts). The document garbage-collects deleted content as a live one does;
 * updates still missing what they build on stay pending and are encoded too.
 */
export function mergeRows(updates: Uint8Array[]): Uint8Array {
  const [only] = updates;
  if (updates.length === 1 && only) return only;
  const doc = new Y.Doc({ guid: 'merge' });
  doc.transact(() => {
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  const merged = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return merged;
}

/**
 * Whether `doc` already holds everything each of `updates` carries: every struct (below the
 * document's state vector) and every deletion. Then the document's own state is their merge, or
 * more (what it received since, which a later append stores again, harmlessly: updates are
 * idempotent), and compaction writes it in one encode instead of applying every row to a new
 * document, which held the server's thread for a quarter of a second every 200 edits on a busy
 * machine (studio/bench/collab.bench.ts). Another studio's row that this one has not received yet
 * fails the test, and the rows are merged as before.
 */
export function holdsAll(doc: Y.Doc, updates: Uint8Array[]): boolean {
  const state = Y.decodeStateVector(Y.encodeStateVector(doc));
  const deleted = Y.createDeleteSetFromStructStore(doc.store);
  for (const update of updates) {
    const { structs, ds } = Y.decodeUpdate(update);
    for (const struct of structs)
      if (!(struct instanceof Y.Skip) && struct.id.clock + struct.length > (state.get(struct.id.client) ?? 0))
        return false;
    for (const [client, ranges] of ds.clients)
      for (const { clock, len } of ranges)
        if (!covered(deleted.clients.get(client) ?? [], clock, clock + len)) return false;
  }
  return true;
}

/** Whether deleted `ranges` (sorted by clock, as a struct store yields them) cover [from, to). */
function covered(ranges: { clock: number; len: number }[], from: number, to: number): boolean {
  let at = from;
  for (const r of ranges) {
    if (r.clock > at) break;
    if (r.clock + r.len > at) at = r.clock + r.len;
    if (at >= to) return true;
  }
  return at >= to;
}
