/**
 * The collaborative documents' rows in the studio's database (`doc_updates`): each Yjs update is
 * appended as it arrives, and `compact` merges an environment's rows into one. The document is the
 * merge of its rows in any order (Yjs updates commute), so appending never reads.
 */
import { and, asc, eq, lte } from 'drizzle-orm';
import * as Y from 'yjs';
import { docUpdates, type StudioDatabase } from '../db/index.ts';

/** What `createDocStore` returns. */
export interface DocStore {
  /** The stored document as one update (empty document: an empty update), and its row count. */
  load(environmentId: string): Promise<{ update: Uint8Array; rows: number }>;
  /** Appends updates in one statement (one commit). */
  append(environmentId: string, updates: Uint8Array[]): Promise<void>;
  /**
   * Merges the environment's rows into one, in a transaction: the rows read are deleted and their
   * merge inserted, so rows appended meanwhile (by another studio on one PostgreSQL) are kept.
   * Returns the row counts before and after.
   */
  compact(environmentId: string): Promise<{ before: number; after: number }>;
  /** How many rows the environment has (for tests and the benchmark). */
  count(environmentId: string): Promise<number>;
}

/**
 * @example
 * const store = createDocStore(db);
 * await store.append(id, [Y.encodeStateAsUpdate(doc)]);
 * const { update } = await store.load(id);
 */
export function createDocStore(db: StudioDatabase): DocStore {
  const rowsOf = (environmentId: string, tx: Pick<StudioDatabase, 'select'> = db) =>
    tx
      .select({ seq: docUpdates.seq, update: docUpdates.update })
      .from(docUpdates)
      .where(eq(docUpdates.environmentId, environmentId))
      .orderBy(asc(docUpdates.seq));
  return {
    async load(environmentId) {
      const rows = await rowsOf(environmentId);
      return { update: Y.mergeUpdates(rows.map((r) => r.update)), rows: rows.length };
    },
    async append(environmentId, updates) {
      if (updates.length === 0) return;
      await db.insert(docUpdates).values(updates.map((update) => ({ environmentId, update })));
    },
    compact: (environmentId) =>
      db.transaction(async (tx) => {
        const rows = await rowsOf(environmentId, tx);
        if (rows.length <= 1) return { before: rows.length, after: rows.length };
        const last = Math.max(...rows.map((r) => r.seq));
        await tx
          .delete(docUpdates)
          .where(and(eq(docUpdates.environmentId, environmentId), lte(docUpdates.seq, last)));
        await tx
          .insert(docUpdates)
          .values({ environmentId, update: Y.mergeUpdates(rows.map((r) => r.update)) });
        return { before: rows.length, after: 1 };
      }),
    async count(environmentId) {
      return (await rowsOf(environmentId)).length;
    },
  };
}
