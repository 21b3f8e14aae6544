/**
 * Who may open the studio's documents, and how (issue 16, "members only"). Environments live in
 * workspaces; a member (a person) is the owner, an editor or a viewer of each workspace they
 * belong to, and of no other: `environmentRole` is the one rule every page and the socket ask.
 * The local owner owns the default workspace; whoever creates a workspace owns it.
 *
 * Credentials, all random tokens stored only as SHA-256:
 * - a **session**: the signed cookie `palestra_session` (`sessionCookie.ts`), or the same signed
 *   value as `?token=` on the socket, for scripts;
 * - an **invite** token (`palestra studio invite`): opening `/invite/<token>` creates its member
 *   and a session; on the socket (`?token=<invite>`) it stands for that member until it expires,
 *   creating the member on first use. One invite, one member: once a browser or a script used it,
 *   the link no longer signs anyone else in.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { StudioDatabase } from '../db/index.ts';
import {
  DEFAULT_WORKSPACE_ID,
  environments,
  type InviteRole,
  invites,
  type Member,
  type MemberRole,
  members,
  sessions,
  type Workspace,
  workspaceMembers,
  workspaces,
} from '../db/schema.ts';
import { hashToken, newToken, signSession, verifySession } from './sessionCookie.ts';
import { createWorkspaceAdmin, type WorkspaceAdmin, workspaceName } from './workspaceAdmin.ts';

/** How long a session lasts (a year) and an invite waits to be used (seven days). */
export const SESSION_MS = 365 * 24 * 3600 * 1000;
export const INVITE_MS = 7 * 24 * 3600 * 1000;

/** The local owner's member id. */
export const OWNER_ID = 'owner';

function first<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined) throw new Error('expected a row');
  return row;
}

/** Who a request is, or why not: 401 without any credential, 403 with one that names no member. */
export type Authentication = { ok: true; member: Member } | { ok: false; status: 401 | 403 };

/** A workspace as one of its members sees it: with their role in it. */
export interface MemberWorkspace {
  id: string;
  name: string;
  role: MemberRole;
}

/** Options of `createInvite`. */
export interface InviteOptions {
  /** How long it waits to be used; default `INVITE_MS` (negative: already expired, for tests). */
  ttlMs?: number;
  /** The workspace its member joins; default the default workspace. */
  workspaceId?: string;
}

/**
 * What `createMembership` returns. Managing a workspace once made (rename, delete, roles, remove,
 * leave) is `WorkspaceAdmin`'s part (`workspaceAdmin.ts`).
 */
export interface Membership extends WorkspaceAdmin {
  /** The owner (made on first call, named `owner`) and a new signed session for it. */
  ownerSession(): Promise<{ member: Member; signed: string }>;
  /** A new invite into a workspace: its token (shown once) and its expiry. */
  createInvite(
    role: InviteRole,
    options?: InviteOptions,
  ): Promise<{ token: string; role: InviteRole; workspaceId: string; expiresAt: Date }>;
  /**
   * Redeems an unused, unexpired invite: its member (a new one named `name`, or `memberId`, a
   * person already signed in, who joins one more workspace) and a signed session; undefined
   * otherwise.
   */
  redeemInvite(
    token: string,
    name?: string,
    memberId?: string,
  ): Promise<{ member: Member; signed: string } | undefined>;
  /** The member of a signed session value (cookie), if it is valid and current. */
  sessionMember(signed: string | undefined): Promise<Member | undefined>;
  /**
   * Deletes expired sessions and expired invites nobody used (the studio does on start): they
   * sign no one in, and a loopback owner gets a new session row per new browser.
   */
  prune(): Promise<{ sessions: number; invites: number }>;
  /** The socket's rule: the cookie first, then `?token=` (a signed session or an invite). */
  authenticate(credentials: { cookie?: string; token?: string }): Promise<Authentication>;
  /** The workspaces `memberId` belongs to, with their role, by name. */
  workspacesOf(memberId: string): Promise<MemberWorkspace[]>;
  /** Every workspace, by name (the CLI's `--workspace` resolves against these). */
  listWorkspaces(): Promise<Workspace[]>;
  /**
   * A new workspace named `name` (trimmed; `STUDIO_WORKSPACE_NAME_INVALID` when empty or too long),
   * owned by `memberId`.
   */
  createWorkspace(memberId: string, name: string): Promise<Workspace>;
  /**
   * `memberId`'s role in the workspace of studio environment `environmentId`; undefined when they
   * are not a member of it, or there is no such environment.
   */
  environmentRole(memberId: string, environmentId: string): Promise<MemberRole | undefined>;
  /** The members of a workspace and their roles, owners first. */
  membersOf(workspaceId: string): Promise<Array<{ id: string; name: string; role: MemberRole }>>;
}

/**
 * Adds `memberId` to a workspace as `role`. Joining again never demotes: a viewer invited as an
 * editor becomes one, an owner or editor invited as a viewer stays what they were.
 */
async function join(
  db: Pick<StudioDatabase, 'insert'>,
  workspaceId: string,
  memberId: string,
  role: MemberRole,
): Promise<void> {
  await db
    .insert(workspaceMembers)
    .values({ workspaceId, memberId, role })
    .onConflictDoUpdate({
      target: [workspaceMembers.workspaceId, workspaceMembers.memberId],
      set: { role: sql`excluded.role` },
      setWhere: sql`${workspaceMembers.role} = 'viewer'`,
    });
}

/**
 * @example
 * const membership = createMembership(db, loadSecret(dir));
 * const { token } = await membership.createInvite('viewer');
 */
export function createMembership(db: StudioDatabase, secret: Buffer): Membership {
  const newSession = async (memberId: string) => {
    const token = newToken();
    await db
      .insert(sessions)
      .values({ tokenHash: hashToken(token), memberId, expiresAt: new Date(Date.now() + SESSION_MS) });
    return signSession(secret, token);
  };

  const sessionMember = async (signed: string | undefined) => {
    const token = signed === undefined ? undefined : verifySession(secret, signed);
    if (token === undefined) return undefined;
    const [row] = await db
      .select({ member: members })
      .from(sessions)
      .innerJoin(members, eq(members.id, sessions.memberId))
      .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date())));
    return row?.member;
  };

  /**
   * Marks the invite used and adds its member to the invite's workspace (a new member, or
   * `memberId`), in one transaction; undefined if not usable.
   */
  const redeem = (token: string, name: string, memberId?: string) =>
    db.transaction(async (tx) => {
      const [invite] = await tx
        .select()
        .from(invites)
        .where(
          and(
            eq(invites.tokenHash, hashToken(token)),
            isNull(invites.usedAt),
            gt(invites.expiresAt, new Date()),
          ),
        )
        .for('update');
      if (!invite) return undefined;
      const existing =
        memberId === undefined
          ? undefined
          : (await tx.select().from(members).where(eq(members.id, memberId)))[0];
      const member =
        existing ?? first(await tx.insert(members).values({ id: randomUUID(), name }).returning());
      await join(tx, invite.workspaceId, member.id, invite.role);
      await tx
        .update(invites)
        .set({ usedAt: new Date(), memberId: member.id })
        .where(eq(invites.tokenHash, invite.tokenHash));
      return member;
    });

  return {
    async ownerSession() {
      // A fixed id: two first requests at once make one owner.
      await db.insert(members).values({ id: OWNER_ID, name: 'owner' }).onConflictDoNothing();
      await db
        .insert(workspaceMembers)
        .values({ workspaceId: DEFAULT_WORKSPACE_ID, memberId: OWNER_ID, role: 'owner' })
        .onConflictDoNothing();
      const owner = first(await db.select().from(members).where(eq(members.id, OWNER_ID)));
      return { member: owner, signed: await newSession(owner.id) };
    },
    async createInvite(role, { ttlMs = INVITE_MS, workspaceId = DEFAULT_WORKSPACE_ID } = {}) {
      const token = newToken();
      const expiresAt = new Date(Date.now() + ttlMs);
      await db.insert(invites).values({ tokenHash: hashToken(token), role, workspaceId, expiresAt });
      return { token, role, workspaceId, expiresAt };
    },
    async redeemInvite(token, name = 'guest', memberId) {
      const member = await redeem(token, name, memberId);
      return member && { member, signed: await newSession(member.id) };
    },
    sessionMember,
    async prune() {
      const now = new Date();
      const gone = await db.delete(sessions).where(lte(sessions.expiresAt, now)).returning();
      const unused = await db
        .delete(invites)
        .where(and(isNull(invites.usedAt), lte(invites.expiresAt, now)))
        .returning();
      return { sessions: gone.length, invites: unused.length };
    },
    async authenticate({ cookie, token }) {
      if (cookie === undefined && token === undefined) return { ok: false, status: 401 };
      for (const signed of [cookie, token]) {
        const member = await sessionMember(signed);
        if (member) return { ok: true, member };
      }
      if (token !== undefined) {
        const [used] = await db
          .select({ member: members })
          .from(invites)
          .innerJoin(members, eq(members.id, invites.memberId))
          .where(and(eq(invites.tokenHash, hashToken(token)), gt(invites.expiresAt, new Date())));
        if (used) return { ok: true, member: used.member };
        const member = await redeem(token, 'script');
        if (member) return { ok: true, member };
      }
      return { ok: false, status: 403 };
    },
    workspacesOf: (memberId) =>
      db
        .select({ id: workspaces.id, name: workspaces.name, role: workspaceMembers.role })
        .from(workspaceMembers)
        .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
        .where(eq(workspaceMembers.memberId, memberId))
        .orderBy(asc(workspaces.name), workspaces.id),
    listWorkspaces: () => db.select().from(workspaces).orderBy(asc(workspaces.name), workspaces.id),
    createWorkspace: async (memberId, raw) => {
      const name = workspaceName(raw);
      return db.transaction(async (tx) => {
        const workspace = first(await tx.insert(workspaces).values({ id: randomUUID(), name }).returning());
        await join(tx, workspace.id, memberId, 'owner');
        return workspace;
      });
    },
    environmentRole: async (memberId, environmentId) =>
      (
        await db
          .select({ role: workspaceMembers.role })
          .from(environments)
          .innerJoin(
            workspaceMembers,
            and(
              eq(workspaceMembers.workspaceId, environments.workspaceId),
              eq(workspaceMembers.memberId, memberId),
            ),
          )
          .where(eq(environments.id, environmentId))
      )[0]?.role,
    membersOf: async (workspaceId) => {
      const rows = await db
        .select({ id: members.id, name: members.name, role: workspaceMembers.role })
        .from(workspaceMembers)
        .innerJoin(members, eq(members.id, workspaceMembers.memberId))
        .where(eq(workspaceMembers.workspaceId, workspaceId))
        .orderBy(asc(workspaceMembers.createdAt), members.id);
      const rank = { owner: 0, editor: 1, viewer: 2 } as const;
      return rows.sort((a, b) => rank[a.role] - rank[b.role]);
    },
    ...createWorkspaceAdmin(db),
  };
}
