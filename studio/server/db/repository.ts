/**
 * What the studio's pages read and write in its database, over either driver. Every function is
 * one statement or one transaction, so a failure leaves nothing half-written.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { StudioDbError } from './errors.ts';
import type { StudioDatabase } from './openDatabase.ts';
import {
  DEFAULT_WORKSPACE_ID,
  type Environment,
  type EnvironmentSource,
  environments,
  type Run,
  type RunKind,
  runs,
  type Version,
  type VersionCheck,
  versions,
} from './schema.ts';

export interface CreateEnvironmentInput {
  name: string;
  source: EnvironmentSource;
  /** The catalog name or folder path it is forked from. */
  sourceRef?: string | null;
  /** Its first version's content root, when it has one already (a fork, an import). */
  root?: string | null;
  /** The first version's note. */
  note?: string | null;
  /** Default: a fresh `crypto.randomUUID()`. */
  id?: string;
  /** The workspace it goes into; default: the default workspace. */
  workspaceId?: string;
}

/** Who made a version and on what (`addVersion`). */
export interface VersionInput {
  /** The author's message. */
  note?: string | null;
  /** The member who committed it, and their name as the history shows it. */
  authorId?: string | null;
  authorName?: string | null;
  /** The environment's head it was made on; default: the head when it is recorded. */
  parentRoot?: string | null;
}

export interface RegisterRunInput {
  /** Path of the run folder: the identity of a run. */
  folder: string;
  kind: RunKind;
  /** Content root of the environment version it ran. */
  envRoot: string;
  environmentId?: string | null;
  summary?: Record<string, unknown> | null;
  /** Default: a fresh `crypto.randomUUID()` (ignored when the folder is already registered). */
  id?: string;
}

export interface StudioRepository {
  /**
   * Every studio environment, the most recently changed first; with `workspaceIds`, only those
   * workspaces' (what a member may see).
   */
  listEnvironments(filter?: { workspaceIds?: readonly string[] }): Promise<Environment[]>;
  /** One environment, or `undefined` for an unknown id. */
  getEnvironment(id: string): Promise<Environment | undefined>;
  /** A new environment; with `root`, its first version too (and `head_root` set to it). */
  createEnvironment(input: CreateEnvironmentInput): Promise<Environment>;
  /**
   * Records `root` as a new version of environment `id` and makes it the head, in one transaction.
   * A root the environment had before (a roll back) is a new row of its own, with its own note.
   * `input` may be the note alone. Throws `STUDIO_ENVIRONMENT_NOT_FOUND` for an unknown id.
   */
  addVersion(id: string, root: string, input?: string | null | VersionInput): Promise<Environment>;
  /** The versions of an environment, the newest first. */
  listVersions(id: string): Promise<Version[]>;
  /** One version by its `seq`, only when it is environment `id`'s. */
  getVersion(id: string, seq: number): Promise<Version | undefined>;
  /** Every version, of any environment, whose root is `root` (a run names only its root), oldest first. */
  versionsWithRoot(root: string): Promise<Version[]>;
  /** Records the quick check of `root` on the versions of environment `id` that have none yet. */
  setVersionCheck(id: string, root: string, check: VersionCheck): Promise<void>;
  /**
   * Indexes a run folder. Registering a folder again keeps its one row (its id, kind and date) and
   * only takes a newer `summary` and `environmentId` when given (a run that finished since).
   */
  registerRun(input: RegisterRunInput): Promise<Run>;
  /** Runs, the newest first; only one environment's with `environmentId`. */
  listRuns(filter?: { environmentId?: string }): Promise<Run[]>;
  /** One run by its id, or `undefined` for an unknown id. */
  getRun(id: string): Promise<Run | undefined>;
  /**
   * Removes a run's row (never its folder: the caller decides about that), and returns the row it
   * removed, or `undefined` for an unknown id. A folder still under the runs folder is registered
   * again by the next indexing, so delete the folder first when the run should go for good.
   */
  deleteRun(id: string): Promise<Run | undefined>;
}

/**
 * The repository over an opened database.
 *
 * @example
 * const repo = createRepository(db);
 * const env = await repo.createEnvironment({ name: 'refund desk', source: 'catalog', sourceRef: 'refund-desk', root });
 * await repo.registerRun({ folder: '.palestra/runs/r1', kind: 'rollout', envRoot: root, environmentId: env.id });
 */
export function createRepository(db: StudioDatabase): StudioRepository {
  const getEnvironment = async (id: string) =>
    (await db.select().from(environments).where(eq(environments.id, id)))[0];

  return {
    listEnvironments: (filter = {}) => {
      const { workspaceIds } = filter;
      if (workspaceIds?.length === 0) return Promise.resolve([]);
      return db
        .select()
        .from(environments)
        .where(workspaceIds ? inArray(environments.workspaceId, [...workspaceIds]) : undefined)
        .orderBy(desc(environments.updatedAt), environments.id);
    },

    getEnvironment,

    createEnvironment: (input) =>
      db.transaction(async (tx) => {
        const root = input.root ?? null;
        const [created] = await tx
          .insert(environments)
          .values({
            id: input.id ?? randomUUID(),
            workspaceId: input.workspaceId ?? DEFAULT_WORKSPACE_ID,
            name: input.name,
            source: input.source,
            sourceRef: input.sourceRef ?? null,
            headRoot: root,
          })
          .returning();
        if (!created) throw new Error('INSERT … RETURNING returned no row');
        if (root !== null)
          await tx.insert(versions).values({ environmentId: created.id, root, note: input.note ?? null });
        return created;
      }),

    addVersion: (id, root, input = null) =>
      db.transaction(async (tx) => {
        const given: VersionInput = typeof input === 'string' || input === null ? { note: input } : input;
        // The head before the move, read under the row lock the update takes below.
        const [before] = await tx
          .select({ headRoot: environments.headRoot })
          .from(environments)
          .where(eq(environments.id, id))
          .for('update');
        const [updated] = await tx
          .update(environments)
          .set({ headRoot: root, updatedAt: sql`now()` })
          .where(eq(environments.id, id))
          .returning();
        if (!updated || !before)
          throw new StudioDbError('STUDIO_ENVIRONMENT_NOT_FOUND', `no studio environment has the id ${id}`, {
            details: { id, root },
          });
        await tx.insert(versions).values({
          environmentId: id,
          root,
          note: given.note ?? null,
          authorId: given.authorId ?? null,
          authorName: given.authorName ?? null,
          parentRoot: given.parentRoot === undefined ? before.headRoot : given.parentRoot,
        });
        return updated;
      }),

    listVersions: (id) =>
      db.select().from(versions).where(eq(versions.environmentId, id)).orderBy(desc(versions.seq)),

    getVersion: async (id, seq) =>
      (
        await db
          .select()
          .from(versions)
          .where(and(eq(versions.environmentId, id), eq(versions.seq, seq)))
      )[0],

    versionsWithRoot: (root) =>
      db.select().from(versions).where(eq(versions.root, root.toLowerCase())).orderBy(versions.seq),

    setVersionCheck: async (id, root, check) => {
      await db
        .update(versions)
        .set({ checkStatus: check })
        .where(and(eq(versions.environmentId, id), eq(versions.root, root), isNull(versions.checkStatus)));
    },

    registerRun: async (input) => {
      const [run] = await db
        .insert(runs)
        .values({
          id: input.id ?? randomUUID(),
          folder: input.folder,
          kind: input.kind,
          envRoot: input.envRoot,
          environmentId: input.environmentId ?? null,
          summary: input.summary ?? null,
        })
        .onConflictDoUpdate({
          target: runs.folder,
          set: {
            summary: sql`coalesce(excluded.summary, ${runs.summary})`,
            environmentId: sql`coalesce(excluded.environment_id, ${runs.environmentId})`,
          },
        })
        .returning();
      if (!run) throw new Error('INSERT … RETURNING returned no row');
      return run;
    },

    listRuns: (filter = {}) =>
      db
        .select()
        .from(runs)
        .where(
          and(filter.environmentId === undefined ? undefined : eq(runs.environmentId, filter.environmentId)),
        )
        .orderBy(desc(runs.createdAt), runs.id),

    getRun: async (id) => (await db.select().from(runs).where(eq(runs.id, id)))[0],

    deleteRun: async (id) => (await db.delete(runs).where(eq(runs.id, id)).returning())[0],
  };
}
