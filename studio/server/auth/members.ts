/**
 * Who may open the studio's documents, and how (issue 16, "members only"). One workspace holds
 * every environment; a member is its owner, an editor or a viewer.
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
import { and, eq, gt, isNull, lte } from 'drizzle-orm';
import type { StudioDatabase } from '../db/index.ts';
import { type InviteRole, invites, type Member, members, sessions } from '../db/schema.ts';
import { hashToken, newToken, signSession, verifySession } from './sessionCookie.ts';

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

/** What `createMembership` returns. */
export interface Membership {
  /** The owner (made on first call, named `owner`) and a new signed session for it. */
  ownerSession(): Promise<{ member: Member; signed: string }>;
  /** A new invite: its token (shown once) and its expiry. */
  createInvite(
    role: InviteRole,
    ttlMs?: number,
  ): Promise<{ token: string; role: InviteRole; expiresAt: Date }>;
  /** Redeems an unused, unexpired invite: its new member and a signed session; undefined otherwise. */
  redeemInvite(token: string, name?: string): Promise<{ member: Member; signed: string } | undefined>;
  /** The member of a signed session value (cookie), if it is valid and current. */
  sessionMember(signed: string | undefined): Promise<Member | undefined>;
  /**
   * Deletes expired sessions and expired invites nobody used (the studio does on start): they
   * sign no one in, and a loopback owner gets a new session row per new browser.
   */
  prune(): Promise<{ sessions: number; invites: number }>;
  /** The socket's rule: the cookie first, then `?token=` (a signed session or an invite). */
  authenticate(credentials: { cookie?: string; token?: string }): Promise<Authentication>;
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

  /** Marks the invite used and creates its member, in one transaction; undefined if not usable. */
  const redeem = (token: string, name: string) =>
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
      const member = first(
        await tx.insert(members).values({ id: randomUUID(), name, role: invite.role }).returning(),
      );
      await tx
        .update(invites)
        .set({ usedAt: new Date(), memberId: member.id })
        .where(eq(invites.tokenHash, invite.tokenHash));
      return member;
    });

  return {
    async ownerSession() {
      // A fixed id: two first requests at once make one owner.
      await db.insert(members).values({ id: OWNER_ID, name: 'owner', role: 'owner' }).onConflictDoNothing();
      const owner = first(await db.select().from(members).where(eq(members.id, OWNER_ID)));
      return { member: owner, signed: await newSession(owner.id) };
    },
    async createInvite(role, ttlMs = INVITE_MS) {
      const token = newToken();
      const expiresAt = new Date(Date.now() + ttlMs);
      await db.insert(invites).values({ tokenHash: hashToken(token), role, expiresAt });
      return { token, role, expiresAt };
    },
    async redeemInvite(token, name = 'guest') {
      const member = await redeem(token, name);
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
  };
}
