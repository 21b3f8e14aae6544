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
 * The member of `request`'s session cookie, or undefined (no cookie, an expired or forged one, or
 * a load context without the studio's members).
 *
 * @example
 * export async function loader({ request, context }: LoaderFunctionArgs) {
 *   const member = await currentMember(context, request);
 * }
 */
export async function currentMember(
  context: { membership?: Membership } | undefined,
  request: Request,
): Promise<CurrentMember | undefined> {
  const membership = context?.membership;
  if (!membership) return undefined;
  const member = await membership.sessionMember(
    readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE),
  );
  return member && { id: member.id, name: member.name, role: member.role };
}
