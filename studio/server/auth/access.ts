/**
 * What a request may see: the workspaces of its member, and through them which studio
 * environments and runs. Lists (the home page, the runs page) filter with it; single pages are
 * refused before their loader by `guardRequests.ts`, which asks the same questions.
 *
 * A run belongs to the workspace of its environment: the one it names, else the studio
 * environment whose head it ran. A run of no studio environment (a catalog name, a folder) is
 * everyone's, as the catalog is.
 */

import type { StudioContext } from '../context.ts';
import type { Environment, Member, MemberRole, Run } from '../db/index.ts';
import { runEnvironments } from '../runs/runEnvironment.ts';
import type { Membership, MemberWorkspace } from './members.ts';
import { readCookie, SESSION_COOKIE } from './sessionCookie.ts';

/** A request's member and the workspaces it belongs to (none for a stranger). */
export interface Access {
  member: Member | undefined;
  workspaces: MemberWorkspace[];
  /** Its role in environment `id`'s workspace; undefined when it may not see that environment. */
  environmentRole(id: string): MemberRole | undefined;
  /** Whether it may see `run` (its environment's workspace is one of the member's). */
  seesRun(run: Pick<Run, 'envRoot' | 'environmentId'>): boolean;
  /** Its role for `run`: its environment's workspace's, or `owner` for a run of no studio environment. */
  runRole(run: Pick<Run, 'envRoot' | 'environmentId'>): MemberRole | undefined;
}

/**
 * The access of `request`. Without members in the load context (an app served by something other
 * than `startStudio`, as some tests do) everything is visible, as the socket without
 * `authenticate` lets everyone in.
 *
 * @example
 * const access = await requestAccess(studio, context, request);
 * const mine = environments.filter((e) => access.environmentRole(e.id));
 */
export async function requestAccess(
  studio: StudioContext,
  context: { membership?: Membership } | undefined,
  request: Pick<Request, 'headers'>,
): Promise<Access> {
  const membership = context?.membership;
  const [all, resolve] = await Promise.all([studio.repo.listEnvironments(), runEnvironments(studio)]);
  const byId = new Map<string, Environment>(all.map((e) => [e.id, e]));
  if (!membership)
    return {
      member: undefined,
      workspaces: [],
      environmentRole: (id) => (byId.has(id) ? 'owner' : undefined),
      seesRun: () => true,
      runRole: () => 'owner',
    };
  const member = await membership.sessionMember(
    readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE),
  );
  const workspaces = member ? await membership.workspacesOf(member.id) : [];
  const roles = new Map(workspaces.map((w) => [w.id, w.role]));
  const environmentRole = (id: string) => {
    const env = byId.get(id);
    return env ? roles.get(env.workspaceId) : undefined;
  };
  const runRole = (run: Pick<Run, 'envRoot' | 'environmentId'>): MemberRole | undefined => {
    const owner = run.environmentId ?? resolve(run)?.ref;
    // A run of no studio environment (a catalog name, a folder) is anyone's, as the catalog is.
    return owner === undefined || !byId.has(owner) ? (member ? 'owner' : 'viewer') : environmentRole(owner);
  };
  return {
    member,
    workspaces,
    environmentRole,
    seesRun: (run) => runRole(run) !== undefined,
    runRole,
  };
}

/**
 * Whether `request` may delete `run`: an owner or editor of its environment's workspace, or any
 * signed-in member for a run of no studio environment.
 */
export async function mayDeleteRun(
  studio: StudioContext,
  context: { membership?: Membership } | undefined,
  request: Pick<Request, 'headers'>,
  run: Pick<Run, 'envRoot' | 'environmentId'>,
): Promise<boolean> {
  return canEdit((await requestAccess(studio, context, request)).runRole(run));
}

/** Whether `role` may change what it can see (commit, delete a run, make an environment). */
export function canEdit(role: MemberRole | undefined): boolean {
  return role === 'owner' || role === 'editor';
}
