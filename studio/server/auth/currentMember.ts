/**
 * The member a page request comes from, for loaders: the environment page names its person in
 * presence and disables editing for a viewer. The socket enforces the same roles on its own
 * (`attachCollab`); this only lets the page say so before anyone types.
 */
import type { Membership } from './members.ts';
import { readCookie, SESSION_COOKIE } from './sessionCookie.ts';

/** What a page may know of its member. */
export interface CurrentMember {
  id: string;
  name: string;
  role: 'owner' | 'editor' | 'viewer';
}

declare module 'react-router' {
  interface AppLoadContext {
    /** The studio's members (`startStudio` passes it): who a page request is. */
    membership?: Membership;
  }
}

/**
 * The member of `request`'s session cookie with their role in the workspace of studio
 * environment `environmentId`, or undefined (no cookie, an expired or forged one, a member of
 * other workspaces only, or a load context without the studio's members).
 *
 * @example
 * export async function loader({ request, context, params }: LoaderFunctionArgs) {
 *   const member = await currentMember(context, request, params.name);
 * }
 */
export async function currentMember(
  context: { membership?: Membership } | undefined,
  request: Request,
  environmentId: string,
): Promise<CurrentMember | undefined> {
  const membership = context?.membership;
  if (!membership) return undefined;
  const member = await membership.sessionMember(
    readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE),
  );
  const role = member && (await membership.environmentRole(member.id, environmentId));
  return member && role && { id: member.id, name: member.name, role };
}
