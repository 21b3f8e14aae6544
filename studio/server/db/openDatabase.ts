/**
 * Opens the studio's database and brings its schema up to date: PGlite (PostgreSQL in WebAssembly)
 * in a folder by default, or a PostgreSQL server when a URL is given (`DATABASE_URL`). Both run the
 * same migrations (`studio/drizzle/`), with drizzle's migrator for each driver; a migration already
 * applied is skipped, so opening an up-to-date database changes nothing.
 *
 * PGlite is single-process: only one process may open a folder at a time (the studio's
 * `server.json` is what guarantees it). The studio's server runs it in a worker thread of its own
 * (`thread: true`, `pgliteThread.ts`), so that its work never holds up the server's event loop.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { StudioDbError } from './errors.ts';
import { PgliteThread } from './pgliteThread.ts';
import * as schema from './schema.ts';

/** The studio's database, whichever driver is under it. */
export type StudioDatabase = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface OpenDatabaseOptions {
  /** PGlite's data folder; default `.palestra/studio/db` under the working directory. */
  dir?: string;
  /** A PostgreSQL connection string (`DATABASE_URL`); when set, `dir` is ignored. */
  url?: string;
  /**
   * PGlite only: run it in a worker thread of its own (`pgliteThread.ts`), so that its work never
   * holds up the event loop (what the studio's server does: `startStudio`). Default false: a
   * script or a test that opens the database briefly saves the thread's start (its own
   * WebAssembly compile, about 0.7 s on 2 cores).
   */
  thread?: boolean;
  /**
   * The folder of generated migrations. The default, `../../drizzle` from this module, is
   * `studio/drizzle` both from `studio/server/db/` and from the built `studio/build/server/`.
   */
  migrationsFolder?: string;
}

export interface OpenedDatabase {
  db: StudioDatabase;
  /** Which driver is under `db`. */
  driver: 'pglite' | 'postgres';
  /** Closes the connection (PGlite flushes its folder); the database is unusable afterwards. */
  close(): Promise<void>;
  /**
   * PostgreSQL only: a new client of the same server, outside the pool and not connected yet, for
   * a connection held for good (LISTEN, `collab/relay.ts`); its owner connects and ends it.
   */
  newClient?: () => pg.Client;
}

const defaultMigrations = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Any two processes migrating one PostgreSQL server at once would both apply the same migration;
 * they take this advisory lock first (a constant: "palestra" in ASCII read as a bigint, 0x70616c6573747261).
 */
const MIGRATION_LOCK = '8097872787973370465';

/**
 * Opens (creating if needed) and migrates the studio's database.
 *
 * @example
 * const { db, close } = await openDatabase({ url: process.env.DATABASE_URL });
 * const repo = createRepository(db);
 * await repo.listEnvironments();
 * await close();
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrations;
  return options.url
    ? openPostgres(options.url, migrationsFolder)
    : openPglite(resolve(options.dir ?? '.palestra/studio/db'), migrationsFolder, options.thread ?? false);
}

async function openPglite(dir: string, migrationsFolder: string, thread: boolean): Promise<OpenedDatabase> {
  let client: PgliteThread | PGlite | undefined;
  try {
    await mkdir(dir, { recursive: true });
    client = thread ? await PgliteThread.open(dir) : await PGlite.create(dir);
    // The thread's client has the part of PGlite's interface drizzle calls (pgliteThread.ts).
    const db = drizzlePglite({ client: client as PGlite, schema });
    await migratePglite(db, { migrationsFolder });
    const opened = client;
    return { db, driver: 'pglite', close: () => opened.close() };
  } catch (cause) {
    await client?.close().catch(() => {});
    throw new StudioDbError('STUDIO_DB_OPEN_FAILED', `could not open the studio database in ${dir}`, {
      details: { dir, migrationsFolder },
      hint: 'is another studio using this folder? Stop it, or move the folder away to start afresh',
      cause,
    });
  }
}

async function openPostgres(url: string, migrationsFolder: string): Promise<OpenedDatabase> {
  const where = redact(url);
  const pool = new pg.Pool({ connectionString: url });
  try {
    const client = await pool.connect();
    try {
      await client.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
      await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
    } finally {
      await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => {});
      client.release();
    }
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new StudioDbError('STUDIO_DB_OPEN_FAILED', `could not open the studio database at ${where}`, {
      details: { url: where, migrationsFolder },
      hint: 'check DATABASE_URL and that the PostgreSQL server is running; unset it to use the embedded database',
      cause,
    });
  }
  return {
    db: drizzlePg({ client: pool, schema }),
    driver: 'postgres',
    close: () => pool.end(),
    // Kept alive by TCP keepalives, so that a connection dropped by the network is noticed.
    newClient: () => new pg.Client({ connectionString: url, keepAlive: true }),
  };
}

/** The URL without its password, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
}
