/**
 * The studio's tables. The data model, fixed for the later studio issues:
 * - an **environment** is the studio's own, under a stable id; the catalog and folders on disk are
 *   read-only sources it was forked from (`source`, `source_ref`);
 * - a **version** is a content root in the content store (`.palestra/store`), never a copy of the
 *   spec; `head_root` is the environment's current one;
 * - a **run** is a run folder under `.palestra/runs/`, indexed here so pages can list and filter runs
 *   without reading every folder; the folder stays the source of truth.
 *
 * Changing a table means a new migration: edit this file, then `npx drizzle-kit generate` in
 * `studio/` and commit the SQL under `studio/drizzle/`.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  customType,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Where an environment came from: `catalog` is a fork of the catalog environment named by
 * `source_ref`, `folder` a fork of a folder on disk, `import` a file or text imported.
 */
export const environmentSources = ['catalog', 'folder', 'import'] as const;
export type EnvironmentSource = (typeof environmentSources)[number];

/** What wrote a run folder (`train`: a folder with `train.json`, its episodes under `steps/`). */
export const runKinds = ['run', 'rollout', 'eval', 'simulate', 'train', 'branch'] as const;
export type RunKind = (typeof runKinds)[number];

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** `'a', 'b'` for a CHECK constraint over a fixed list of our own literals (never user input). */
const literals = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/**
 * A workspace holds environments and has its own members (`workspaceMembers`): a member of one
 * workspace neither sees nor opens another's environments. Every studio has the default one
 * (`DEFAULT_WORKSPACE_ID`, made by migration 0005 with every environment and member of before).
 */
export const workspaces = pgTable('workspaces', {
  /** `default` for the default workspace, else `crypto.randomUUID()`. */
  id: text('id').primaryKey(),
  /** Display name; `palestra studio invite --workspace` also finds a workspace by it. */
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** The id of the workspace every studio has: the local owner owns it. */
export const DEFAULT_WORKSPACE_ID = 'default';

export const environments = pgTable(
  'environments',
  {
    /** Stable id (`crypto.randomUUID()`); the collaborative document and URLs use it. */
    id: text('id').primaryKey(),
    /** The workspace it belongs to: only that workspace's members may read or open it. */
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    /** Display name; not unique (two forks of one catalog environment may share it). */
    name: text('name').notNull(),
    createdAt: createdAt(),
    /** Moves with every new version. */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    source: text('source', { enum: environmentSources }).notNull(),
    /** The catalog name or folder path it was forked from; null for an import. */
    sourceRef: text('source_ref'),
    /** Content root of its current version; null before the first version. */
    headRoot: text('head_root'),
  },
  (t) => [
    check('environments_source_check', sql`${t.source} in (${literals(environmentSources)})`),
    index('environments_workspace_id_idx').on(t.workspaceId),
  ],
);

/** What the quick check said of a version's root, recorded once it ran (null while it runs). */
export interface VersionCheck {
  /** `passed`: no error; `failed`: errors; `error`: the check could not run (its code). */
  state: 'passed' | 'failed' | 'error';
  failed: number;
  warnings: number;
  /** For `error`: the code and message of why the check could not run. */
  code?: string;
  message?: string;
}

export const versions = pgTable(
  'versions',
  {
    /** Increasing: the order of the history (two versions of one transaction share `created_at`). */
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    /** Content root in the content store: the same root `palestra` computes for the exported folder. */
    root: text('root').notNull(),
    createdAt: createdAt(),
    /** The author's message, when there is one. */
    note: text('note'),
    /** The member who committed it (null for an import, or a member since removed). */
    authorId: text('author_id').references(() => members.id, { onDelete: 'set null' }),
    /** The author's name when it was committed: the history keeps it if the member goes. */
    authorName: text('author_name'),
    /** The head it was committed on (null for a first version): what its diff compares with. */
    parentRoot: text('parent_root'),
    /** The quick check of its root; null until the check has run. */
    checkStatus: jsonb('check_status').$type<VersionCheck>(),
  },
  // A root may come back (a roll back is a new version with an old root): many rows per root.
  (t) => [
    index('versions_environment_id_idx').on(t.environmentId, t.seq),
    index('versions_root_idx').on(t.root),
  ],
);

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    /** The studio environment it ran, when it ran one (a CLI run of a catalog name has none). */
    environmentId: text('environment_id').references(() => environments.id, { onDelete: 'set null' }),
    /** Content root of the environment version it ran: what its replay page opens. */
    envRoot: text('env_root').notNull(),
    /** Path of the run folder; registering the same folder twice keeps one row. */
    folder: text('folder').notNull().unique(),
    kind: text('kind', { enum: runKinds }).notNull(),
    createdAt: createdAt(),
    /** The run's summary as its folder states it (episodes, mean return, success rate, …). */
    summary: jsonb('summary').$type<Record<string, unknown>>(),
  },
  (t) => [
    check('runs_kind_check', sql`${t.kind} in (${literals(runKinds)})`),
    index('runs_environment_id_idx').on(t.environmentId),
  ],
);

/** PostgreSQL's `bytea` as a `Uint8Array` (drizzle has no built-in column for it). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  // node-postgres hands back a Buffer, PGlite a Uint8Array: both are Uint8Arrays.
  fromDriver: (value) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});

/**
 * The collaborative document of an environment (`studio/server/collab/`) as Yjs updates: each
 * update appended as it arrives, and merged into one row by the background compaction. The
 * document is the merge of all rows of its environment, in any order (Yjs updates commute).
 */
export const docUpdates = pgTable(
  'doc_updates',
  {
    /** Global and increasing, so that two studios on one PostgreSQL never collide. */
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    /** A Yjs update (format v1), as the server's document emitted it: never a client's raw bytes. */
    update: bytea('update').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('doc_updates_environment_id_idx').on(t.environmentId, t.seq)],
);

export type Environment = typeof environments.$inferSelect;
export type Version = typeof versions.$inferSelect;
export type Run = typeof runs.$inferSelect;
export type DocUpdate = typeof docUpdates.$inferSelect;
export type Workspace = typeof workspaces.$inferSelect;

/**
 * Members only (`studio/server/auth/`). A member is a person; their role is per workspace
 * (`workspaceMembers`): one person may own one workspace and view another.
 */
export const memberRoles = ['owner', 'editor', 'viewer'] as const;
export type MemberRole = (typeof memberRoles)[number];
/** The roles an invite may grant (an owner made the workspace, or is the local user: never invited). */
export const inviteRoles = ['editor', 'viewer'] as const;
export type InviteRole = (typeof inviteRoles)[number];

export const members = pgTable('members', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** Who belongs to a workspace, and as what: one row per member and workspace. */
export const workspaceMembers = pgTable(
  'workspace_members',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    memberId: text('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    role: text('role', { enum: memberRoles }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.memberId] }),
    check('workspace_members_role_check', sql`${t.role} in (${literals(memberRoles)})`),
    index('workspace_members_member_id_idx').on(t.memberId),
  ],
);

/** A signed-in browser or script: only the SHA-256 of its token is stored. */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    memberId: text('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_member_id_idx').on(t.memberId)],
);

/** An invite link: only the SHA-256 of its token is stored; one member per invite. */
export const invites = pgTable(
  'invites',
  {
    tokenHash: text('token_hash').primaryKey(),
    /** The workspace its member joins. */
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    role: text('role', { enum: inviteRoles }).notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** When it was redeemed, and the member it created; null while unused. */
    usedAt: timestamp('used_at', { withTimezone: true }),
    memberId: text('member_id').references(() => members.id, { onDelete: 'cascade' }),
  },
  (t) => [check('invites_role_check', sql`${t.role} in (${literals(inviteRoles)})`)],
);

export type Member = typeof members.$inferSelect;
export type WorkspaceMember = typeof workspaceMembers.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Invite = typeof invites.$inferSelect;
