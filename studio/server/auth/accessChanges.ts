/**
 * Who may open a workspace's environments changed (a member removed or their role changed, a
 * workspace deleted): the sockets already open must hear of it. Pages ask again on every request
 * (`guardRequests.ts`); a collaboration socket asks once, on its upgrade, so `attachCollab.ts`
 * asks again for the open sockets of that workspace when told.
 *
 * Told two ways, because a change is made by one studio process and sockets may be open on others:
 * - in this process: the listeners of the same database handle (`onAccessChange`), called once the
 *   change committed. With PGlite this is the only way (one process, no notifications);
 * - other studios on the same PostgreSQL server: a NOTIFY on `ACCESS_CHANNEL` sent by the change's
 *   own transaction (so none is sent for a change rolled back), which their relay listens for
 *   (`collab/relay.ts`). The studio that made the change hears it there too: asking again is
 *   idempotent, so it is not filtered out.
 */
import { sql } from 'drizzle-orm';
import type { StudioDatabase } from '../db/index.ts';

/** The PostgreSQL channel of access changes; the payload is the workspace id. */
export const ACCESS_CHANNEL = 'palestra_access';

/** Called with the workspace whose access changed. */
export type AccessListener = (workspaceId: string) => void;

// Per database handle, not per process: two studios in one process (tests) hear only their own.
const listeners = new WeakMap<StudioDatabase, Set<AccessListener>>();

/**
 * Calls `listener` after each committed access change made through `db` in this process.
 * Returns the function that stops it.
 *
 * @example
 * const stop = onAccessChange(db, (workspaceId) => recheckSockets(workspaceId));
 */
export function onAccessChange(db: StudioDatabase, listener: AccessListener): () => void {
  const set = listeners.get(db) ?? new Set<AccessListener>();
  listeners.set(db, set);
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells this process's listeners of `db` (after the change committed). */
export function accessChanged(db: StudioDatabase, workspaceId: string): void {
  for (const listener of listeners.get(db) ?? []) listener(workspaceId);
}

/**
 * Announces the change to other studios on the same PostgreSQL server, inside the change's
 * transaction: PostgreSQL delivers it when, and only if, that transaction commits.
 */
export async function announceAccessChange(
  tx: Pick<StudioDatabase, 'execute'>,
  workspaceId: string,
): Promise<void> {
  await tx.execute(sql`select pg_notify(${ACCESS_CHANNEL}, ${workspaceId})`);
}
