/**
 * What an owner does with a workspace after making it: rename it, delete it, change a member's
 * role, remove a member; and what any member does: leave it. Part of the Membership API
 * (`members.ts`); the workspaces page calls it (`app/routes/workspaces.tsx`).
 *
 * The rules, each refused with a `WorkspaceError` that says what to do instead:
 * - only an owner manages; a member who is not one gets 403, anyone else 404 (as for no workspace);
 * - a workspace keeps at least one owner: demoting, removing or leaving as its last owner is refused;
 * - a workspace is deleted only once it holds no environment (they would lose their workspace);
 *   its memberships and invites go with it (their rows cascade);
 * - the default workspace is never deleted, and its local owner (the person who ran the studio,
 *   signed in again as its owner by any loopback visit) is never removed from it nor demoted.
 *
 * Each change runs in one transaction that first locks the workspace's row: two owners demoting
 * each other at once are serialised (one of them is the last owner when its turn comes), and no
 * environment can be added to a workspace between the count that allows its deletion and the
 * deletion (an insert that references the row waits for the lock). Each change is announced
 * (`accessChanges.ts`), so that sockets already open follow at once.
 */
import { and, count, eq } from 'drizzle-orm';
import type { StudioDatabase } from '../db/index.ts';
import {
  DEFAULT_WORKSPACE_ID,
  environments,
  type MemberRole,
  type Workspace,
  workspaceMembers,
  workspaces,
} from '../db/schema.ts';
import { accessChanged, announceAccessChange } from './accessChanges.ts';
import { WorkspaceError } from './workspaceErrors.ts';

/** The longest workspace name: what the pages list and `palestra studio invite --workspace` matches. */
export const MAX_WORKSPACE_NAME = 60;

/** The local owner's member id: `members.ts`'s `OWNER_ID` (not imported: that file imports this one). */
const LOCAL_OWNER_ID = 'owner';

/** The owner's side of the Membership API (`members.ts` includes it). */
export interface WorkspaceAdmin {
  /** Renames a workspace (`actorId` must own it); the name as `workspaceName` takes it. */
  renameWorkspace(actorId: string, workspaceId: string, name: string): Promise<Workspace>;
  /** Deletes an empty workspace, with its memberships and invites (`actorId` must own it). */
  deleteWorkspace(actorId: string, workspaceId: string): Promise<void>;
  /** Gives `memberId` the role `role` in the workspace (`actorId` must own it). */
  setMemberRole(actorId: string, workspaceId: string, memberId: string, role: MemberRole): Promise<void>;
  /** Removes `memberId` from the workspace: an owner removing anyone, or a member leaving (`actorId === memberId`). */
  removeMember(actorId: string, workspaceId: string, memberId: string): Promise<void>;
}

/**
 * A workspace name as typed, trimmed: 1 to `MAX_WORKSPACE_NAME` characters, else
 * `STUDIO_WORKSPACE_NAME_INVALID`. Names need not be unique (as when creating one).
 *
 * @example
 * workspaceName('  Refund ') // 'Refund'
 */
export function workspaceName(raw: string): string {
  const name = raw.trim();
  if (name === '' || name.length > MAX_WORKSPACE_NAME)
    throw new WorkspaceError(
      'STUDIO_WORKSPACE_NAME_INVALID',
      `a workspace needs a name of 1 to ${MAX_WORKSPACE_NAME} characters`,
      {
        status: 400,
        details: { length: name.length },
        hint: 'type a shorter name, or one that is not blank',
      },
    );
  return name;
}

type Tx = Parameters<Parameters<StudioDatabase['transaction']>[0]>[0];

/** What a change sees once the workspace is locked: its row and the actor's role in it. */
interface Locked {
  tx: Tx;
  workspace: Workspace;
  actorRole: MemberRole;
}

/**
 * @example
 * const admin = createWorkspaceAdmin(db);
 * await admin.setMemberRole('owner', refundId, anaId, 'viewer');
 */
export function createWorkspaceAdmin(db: StudioDatabase): WorkspaceAdmin {
  /**
   * Runs `change` in a transaction holding the workspace's row lock, once the actor is known to
   * be a member; announces the change once committed.
   */
  const locked = async <T>(actorId: string, workspaceId: string, change: (w: Locked) => Promise<T>) => {
    const result = await db.transaction(async (tx) => {
      const [workspace] = await tx
        .select()
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId))
        .for('update');
      const actorRole = workspace && (await roleIn(tx, workspaceId, actorId));
      if (!workspace || !actorRole)
        throw new WorkspaceError(
          'STUDIO_WORKSPACE_NOT_FOUND',
          `you belong to no workspace with the id ${JSON.stringify(workspaceId)}`,
          {
            status: 404,
            details: { workspaceId },
            hint: 'choose one of your workspaces on the workspaces page',
          },
        );
      const value = await change({ tx, workspace, actorRole });
      await announceAccessChange(tx, workspaceId);
      return value;
    });
    accessChanged(db, workspaceId);
    return result;
  };

  return {
    renameWorkspace: async (actorId, workspaceId, raw) => {
      const name = workspaceName(raw);
      return locked(actorId, workspaceId, async ({ tx, workspace, actorRole }) => {
        mustOwn(workspace, actorRole, 'rename it');
        const [renamed] = await tx
          .update(workspaces)
          .set({ name })
          .where(eq(workspaces.id, workspaceId))
          .returning();
        return renamed ?? workspace;
      });
    },

    deleteWorkspace: (actorId, workspaceId) =>
      locked(actorId, workspaceId, async ({ tx, workspace, actorRole }) => {
        mustOwn(workspace, actorRole, 'delete it');
        if (workspace.id === DEFAULT_WORKSPACE_ID)
          throw new WorkspaceError(
            'STUDIO_WORKSPACE_DEFAULT',
            `${workspace.name} is the default workspace: it cannot be deleted`,
            {
              status: 409,
              hint: 'every studio keeps its default workspace; delete its environments one by one instead',
            },
          );
        const [held] = await tx
          .select({ n: count() })
          .from(environments)
          .where(eq(environments.workspaceId, workspaceId));
        const n = held?.n ?? 0;
        if (n > 0)
          throw new WorkspaceError(
            'STUDIO_WORKSPACE_NOT_EMPTY',
            `${workspace.name} still holds ${n} environment${n === 1 ? '' : 's'}: it cannot be deleted`,
            {
              status: 409,
              details: { workspaceId, environments: n },
              hint: `delete its ${n === 1 ? 'environment' : `${n} environments`} or move ${n === 1 ? 'it' : 'them'} to another workspace first`,
            },
          );
        // Its memberships and invites go with it (ON DELETE CASCADE).
        await tx.delete(workspaces).where(eq(workspaces.id, workspaceId));
      }),

    setMemberRole: (actorId, workspaceId, memberId, role) =>
      locked(actorId, workspaceId, async ({ tx, workspace, actorRole }) => {
        mustOwn(workspace, actorRole, "change a member's role");
        const current = await mustBelong(tx, workspace, memberId);
        if (current === role) return;
        if (current === 'owner') await keepsAnOwner(tx, workspace, memberId, 'demote');
        await tx
          .update(workspaceMembers)
          .set({ role })
          .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.memberId, memberId)));
      }),

    removeMember: (actorId, workspaceId, memberId) =>
      locked(actorId, workspaceId, async ({ tx, workspace, actorRole }) => {
        // Anyone may leave; only an owner removes someone else.
        if (memberId !== actorId) mustOwn(workspace, actorRole, 'remove a member');
        const current = await mustBelong(tx, workspace, memberId);
        if (current === 'owner')
          await keepsAnOwner(tx, workspace, memberId, memberId === actorId ? 'leave' : 'remove');
        await tx
          .delete(workspaceMembers)
          .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.memberId, memberId)));
      }),
  };
}

async function roleIn(tx: Tx, workspaceId: string, memberId: string): Promise<MemberRole | undefined> {
  const [row] = await tx
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.memberId, memberId)));
  return row?.role;
}

/** Refuses (403) an actor who is a member but not an owner. */
function mustOwn(workspace: Workspace, actorRole: MemberRole, what: string): void {
  if (actorRole !== 'owner')
    throw new WorkspaceError(
      'STUDIO_WORKSPACE_FORBIDDEN',
      `you are ${actorRole === 'editor' ? 'an editor' : 'a viewer'} of ${workspace.name}: only an owner may ${what}`,
      { status: 403, details: { workspaceId: workspace.id }, hint: 'ask one of its owners' },
    );
}

/** The role of `memberId` in the workspace, or 404 when they do not belong to it. */
async function mustBelong(tx: Tx, workspace: Workspace, memberId: string): Promise<MemberRole> {
  const role = await roleIn(tx, workspace.id, memberId);
  if (!role)
    throw new WorkspaceError(
      'STUDIO_MEMBER_NOT_FOUND',
      `no member of ${workspace.name} has the id ${JSON.stringify(memberId)}`,
      {
        status: 404,
        details: { workspaceId: workspace.id, memberId },
        hint: 'reload the workspaces page: they may have left already',
      },
    );
  return role;
}

/**
 * Refuses to take the owner role from `memberId` when they are the workspace's last owner, or its
 * default workspace's local owner.
 */
async function keepsAnOwner(
  tx: Tx,
  workspace: Workspace,
  memberId: string,
  what: 'demote' | 'remove' | 'leave',
): Promise<void> {
  if (workspace.id === DEFAULT_WORKSPACE_ID && memberId === LOCAL_OWNER_ID)
    throw new WorkspaceError(
      'STUDIO_WORKSPACE_DEFAULT',
      `the studio's local owner always owns ${workspace.name}, the default workspace`,
      {
        status: 409,
        details: { workspaceId: workspace.id, memberId },
        hint: "any visit from the studio's own machine signs them in as its owner",
      },
    );
  const [owners] = await tx
    .select({ n: count() })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspace.id), eq(workspaceMembers.role, 'owner')));
  if ((owners?.n ?? 0) > 1) return;
  throw new WorkspaceError(
    'STUDIO_WORKSPACE_LAST_OWNER',
    what === 'leave'
      ? `you are the last owner of ${workspace.name}: you cannot leave it`
      : `this is the last owner of ${workspace.name}: you cannot ${what} them`,
    {
      status: 409,
      details: { workspaceId: workspace.id, memberId },
      hint:
        what === 'leave'
          ? 'make another member an owner first, or delete the workspace once it is empty'
          : 'make another member an owner first',
    },
  );
}
