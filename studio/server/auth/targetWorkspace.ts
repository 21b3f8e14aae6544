/**
 * The workspace a new environment goes into (`/new`, a fork, an import): the one the request
 * names (`?workspace=<id>`, from the home page's "New environment" and "Import" links of that
 * workspace), else the default workspace, else the first the member may edit. Only an owner or
 * an editor of a workspace adds to it.
 */
import { DEFAULT_WORKSPACE_ID } from '../db/index.ts';
import { canEdit } from './access.ts';
import type { Membership } from './members.ts';
import { readCookie, SESSION_COOKIE } from './sessionCookie.ts';

/** The workspace to use, or why none (with the HTTP status the page answers). */
export type TargetWorkspace =
  | { ok: true; workspaceId: string | undefined }
  | { ok: false; status: 403 | 404; code: string; message: string; hint: string };

/**
 * @example
 * const target = await targetWorkspace(context, request, new URL(request.url).searchParams.get('workspace'));
 * if (!target.ok) return data({ refused: target.message }, { status: target.status });
 */
export async function targetWorkspace(
  context: { membership?: Membership } | undefined,
  request: Request,
  requested: string | null | undefined,
): Promise<TargetWorkspace> {
  const membership = context?.membership;
  // No members (an app not served by startStudio): the default workspace, as before workspaces.
  if (!membership) return { ok: true, workspaceId: requested || undefined };
  const member = await signedIn(membership, request);
  if (!member)
    return {
      ok: false,
      status: 403,
      code: 'STUDIO_WORKSPACE_FORBIDDEN',
      message: 'no member is signed in',
      hint: 'open the studio from its machine, or with an invite link',
    };
  const mine = await membership.workspacesOf(member.id);
  if (requested) {
    const named = mine.find((w) => w.id === requested);
    if (!named)
      return {
        ok: false,
        status: 404,
        code: 'STUDIO_WORKSPACE_NOT_FOUND',
        message: `you belong to no workspace with the id ${JSON.stringify(requested)}`,
        hint: 'choose one of your workspaces on the home page',
      };
    if (!canEdit(named.role))
      return {
        ok: false,
        status: 403,
        code: 'STUDIO_WORKSPACE_FORBIDDEN',
        message: `${member.name} is a viewer of ${named.name}: viewers cannot add environments`,
        hint: 'ask its owner for an editor invite, or make a workspace of your own',
      };
    return { ok: true, workspaceId: named.id };
  }
  const editable = mine.filter((w) => canEdit(w.role));
  const chosen = editable.find((w) => w.id === DEFAULT_WORKSPACE_ID) ?? editable[0];
  if (!chosen)
    return {
      ok: false,
      status: 403,
      code: 'STUDIO_WORKSPACE_FORBIDDEN',
      message: `${member.name} may add environments to no workspace`,
      hint: 'ask an owner for an editor invite, or make a workspace of your own on the home page',
    };
  return { ok: true, workspaceId: chosen.id };
}

/**
 * The workspaces the signed-in member may add environments to (owner or editor), for the
 * workspace choice of `/new`; empty when no member is signed in or the app has no members.
 */
export async function editableWorkspaces(
  context: { membership?: Membership } | undefined,
  request: Request,
): Promise<{ id: string; name: string }[]> {
  const membership = context?.membership;
  const member = membership && (await signedIn(membership, request));
  if (!membership || !member) return [];
  return (await membership.workspacesOf(member.id))
    .filter((w) => canEdit(w.role))
    .map((w) => ({ id: w.id, name: w.name }));
}

/** The member the request's session cookie names, if any. */
function signedIn(membership: Membership, request: Request) {
  return membership.sessionMember(readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE));
}
