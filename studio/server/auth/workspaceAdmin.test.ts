// The rules of managing a workspace, on the Membership API over a real PGlite database: an owner
// renames, changes roles, removes and deletes; anyone leaves; a non-owner is refused (403), a
// stranger too (404); the last owner stays; a workspace with environments, and the default one,
// are not deleted; a deleted workspace takes its memberships and invites along; each change is
// announced to the database's listeners once committed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import {
  createRepository,
  DEFAULT_WORKSPACE_ID,
  environments,
  invites,
  type OpenedDatabase,
  openDatabase,
} from '../db/index.ts';
import { onAccessChange } from './accessChanges.ts';
import { createMembership, type Membership, OWNER_ID } from './members.ts';
import { WorkspaceError, type WorkspaceErrorCode } from './workspaceErrors.ts';

let dir: string;
let database: OpenedDatabase;
let membership: Membership;
/** The workspaces whose access changed, in order, as the database's listeners heard them. */
const changed: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palestra-workspace-admin-'));
  database = await openDatabase({ dir: join(dir, 'db') });
  membership = createMembership(database.db, Buffer.alloc(32, 7));
  await membership.ownerSession();
  onAccessChange(database.db, (id) => changed.push(id));
});

after(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new member of `workspaceId` with `role`, through an invite as the studio makes them. */
async function invited(workspaceId: string, role: 'editor' | 'viewer', name: string): Promise<string> {
  const { token } = await membership.createInvite(role, { workspaceId });
  const redeemed = await membership.redeemInvite(token, name);
  assert.ok(redeemed);
  return redeemed.member.id;
}

/** Asserts that `action` is refused with `code` and `status`; returns the error for more checks. */
async function refused(
  action: Promise<unknown>,
  code: WorkspaceErrorCode,
  status: number,
): Promise<WorkspaceError> {
  const error = await action.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkspaceError, String(error));
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  return error;
}

const roles = async (workspaceId: string) =>
  Object.fromEntries((await membership.membersOf(workspaceId)).map((m) => [m.name, m.role]));

test('an owner renames a workspace; the name follows the rules of a new one', async () => {
  const w = await membership.createWorkspace(OWNER_ID, 'Refund');
  const renamed = await membership.renameWorkspace(OWNER_ID, w.id, '  Refunds  ');
  assert.equal(renamed.name, 'Refunds');
  assert.equal((await membership.workspacesOf(OWNER_ID)).find((x) => x.id === w.id)?.name, 'Refunds');
  await refused(membership.renameWorkspace(OWNER_ID, w.id, '   '), 'STUDIO_WORKSPACE_NAME_INVALID', 400);
  await refused(
    membership.renameWorkspace(OWNER_ID, w.id, 'x'.repeat(61)),
    'STUDIO_WORKSPACE_NAME_INVALID',
    400,
  );
  await refused(membership.createWorkspace(OWNER_ID, ''), 'STUDIO_WORKSPACE_NAME_INVALID', 400);
  // An editor may not rename; a stranger is told there is no such workspace.
  const ana = await invited(w.id, 'editor', 'Ana');
  const stranger = await invited(DEFAULT_WORKSPACE_ID, 'editor', 'Stranger');
  const byEditor = await refused(
    membership.renameWorkspace(ana, w.id, 'Mine'),
    'STUDIO_WORKSPACE_FORBIDDEN',
    403,
  );
  assert.match(byEditor.message, /you are an editor of Refunds: only an owner may rename it/);
  await refused(membership.renameWorkspace(stranger, w.id, 'Mine'), 'STUDIO_WORKSPACE_NOT_FOUND', 404);
  await refused(
    membership.renameWorkspace(OWNER_ID, 'no-such-id', 'Mine'),
    'STUDIO_WORKSPACE_NOT_FOUND',
    404,
  );
  assert.equal((await membership.listWorkspaces()).find((x) => x.id === w.id)?.name, 'Refunds');
});

test('an owner changes roles and removes members; only an owner does', async () => {
  const w = await membership.createWorkspace(OWNER_ID, 'Roles');
  const ana = await invited(w.id, 'editor', 'Ana');
  const bo = await invited(w.id, 'viewer', 'Bo');
  await membership.setMemberRole(OWNER_ID, w.id, ana, 'viewer');
  await membership.setMemberRole(OWNER_ID, w.id, bo, 'owner');
  assert.deepEqual(await roles(w.id), { owner: 'owner', Bo: 'owner', Ana: 'viewer' });
  // Ana, a viewer now, may change nobody's role nor remove anyone.
  await refused(membership.setMemberRole(ana, w.id, ana, 'owner'), 'STUDIO_WORKSPACE_FORBIDDEN', 403);
  await refused(membership.removeMember(ana, w.id, bo), 'STUDIO_WORKSPACE_FORBIDDEN', 403);
  // Bo, an owner now, removes Ana; someone who does not belong is a 404 of its own.
  await membership.removeMember(bo, w.id, ana);
  assert.deepEqual(await roles(w.id), { owner: 'owner', Bo: 'owner' });
  assert.deepEqual(await membership.workspacesOf(ana), []);
  await refused(membership.removeMember(OWNER_ID, w.id, ana), 'STUDIO_MEMBER_NOT_FOUND', 404);
  await refused(membership.setMemberRole(OWNER_ID, w.id, ana, 'editor'), 'STUDIO_MEMBER_NOT_FOUND', 404);
  // Ana, no member any more, cannot act on it at all.
  await refused(membership.removeMember(ana, w.id, bo), 'STUDIO_WORKSPACE_NOT_FOUND', 404);
});

test('a workspace always keeps an owner: the last one is neither demoted, removed, nor leaves', async () => {
  const w = await membership.createWorkspace(OWNER_ID, 'Owners');
  const cy = await invited(w.id, 'editor', 'Cy');
  const demote = await refused(
    membership.setMemberRole(OWNER_ID, w.id, OWNER_ID, 'editor'),
    'STUDIO_WORKSPACE_LAST_OWNER',
    409,
  );
  assert.match(demote.message, /last owner of Owners/);
  assert.match(demote.hint ?? '', /make another member an owner first/);
  const leave = await refused(
    membership.removeMember(OWNER_ID, w.id, OWNER_ID),
    'STUDIO_WORKSPACE_LAST_OWNER',
    409,
  );
  assert.match(leave.message, /you are the last owner of Owners: you cannot leave it/);
  // With a second owner, the first may step down, and then the second is the last one.
  await membership.setMemberRole(OWNER_ID, w.id, cy, 'owner');
  await membership.setMemberRole(OWNER_ID, w.id, OWNER_ID, 'editor');
  await refused(membership.removeMember(OWNER_ID, w.id, cy), 'STUDIO_WORKSPACE_FORBIDDEN', 403);
  await refused(membership.removeMember(cy, w.id, cy), 'STUDIO_WORKSPACE_LAST_OWNER', 409);
  // An editor (or a viewer) may leave.
  await membership.removeMember(OWNER_ID, w.id, OWNER_ID);
  assert.deepEqual(await roles(w.id), { Cy: 'owner' });
  // The studio's local owner stays the owner of the default workspace, even with another owner.
  const dee = await invited(DEFAULT_WORKSPACE_ID, 'editor', 'Dee');
  await membership.setMemberRole(OWNER_ID, DEFAULT_WORKSPACE_ID, dee, 'owner');
  await refused(
    membership.setMemberRole(dee, DEFAULT_WORKSPACE_ID, OWNER_ID, 'viewer'),
    'STUDIO_WORKSPACE_DEFAULT',
    409,
  );
  await refused(
    membership.removeMember(dee, DEFAULT_WORKSPACE_ID, OWNER_ID),
    'STUDIO_WORKSPACE_DEFAULT',
    409,
  );
  await membership.removeMember(OWNER_ID, DEFAULT_WORKSPACE_ID, dee);
});

test('only an empty workspace is deleted, never the default one; its members and invites go with it', async () => {
  const w = await membership.createWorkspace(OWNER_ID, 'Busy');
  const repo = createRepository(database.db);
  const envs = await Promise.all(
    ['one', 'two'].map((name) => repo.createEnvironment({ name, source: 'import', workspaceId: w.id })),
  );
  const eli = await invited(w.id, 'editor', 'Eli');
  await refused(membership.deleteWorkspace(eli, w.id), 'STUDIO_WORKSPACE_FORBIDDEN', 403);
  const busy = await refused(membership.deleteWorkspace(OWNER_ID, w.id), 'STUDIO_WORKSPACE_NOT_EMPTY', 409);
  assert.equal(busy.message, 'Busy still holds 2 environments: it cannot be deleted');
  assert.equal(busy.hint, 'delete its 2 environments or move them to another workspace first');
  assert.deepEqual(busy.details, { workspaceId: w.id, environments: 2 });
  const local = await refused(
    membership.deleteWorkspace(OWNER_ID, DEFAULT_WORKSPACE_ID),
    'STUDIO_WORKSPACE_DEFAULT',
    409,
  );
  assert.match(local.message, /Local is the default workspace: it cannot be deleted/);
  // Emptied, it is deleted with what it held.
  for (const e of envs) await database.db.delete(environments).where(eq(environments.id, e.id));
  const pending = await membership.createInvite('viewer', { workspaceId: w.id });
  await membership.deleteWorkspace(OWNER_ID, w.id);
  assert.equal(
    (await membership.listWorkspaces()).some((x) => x.id === w.id),
    false,
  );
  assert.deepEqual(await membership.membersOf(w.id), []);
  assert.deepEqual(await membership.workspacesOf(eli), []);
  assert.deepEqual(await database.db.select().from(invites).where(eq(invites.workspaceId, w.id)), []);
  assert.equal(await membership.redeemInvite(pending.token, 'late'), undefined);
  await refused(membership.deleteWorkspace(OWNER_ID, w.id), 'STUDIO_WORKSPACE_NOT_FOUND', 404);
});

test('each committed change is announced to the database listeners; a refused one is not', async () => {
  const w = await membership.createWorkspace(OWNER_ID, 'Told');
  const fay = await invited(w.id, 'editor', 'Fay');
  changed.length = 0;
  await membership.setMemberRole(OWNER_ID, w.id, fay, 'viewer');
  await refused(membership.removeMember(OWNER_ID, w.id, OWNER_ID), 'STUDIO_WORKSPACE_LAST_OWNER', 409);
  await membership.removeMember(OWNER_ID, w.id, fay);
  await membership.renameWorkspace(OWNER_ID, w.id, 'Told you');
  assert.deepEqual(changed, [w.id, w.id, w.id]);
});
