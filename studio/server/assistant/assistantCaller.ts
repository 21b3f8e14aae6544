/**
 * Who asks the design assistant's routes, from a request: the session (by the hash of its signed
 * cookie), the member and the environment of the URL.
 */
import { currentMember } from '../auth/currentMember.ts';
import type { Membership } from '../auth/members.ts';
import { readCookie, SESSION_COOKIE } from '../auth/sessionCookie.ts';
import { studioContext } from '../context.ts';
import { environmentSource } from '../environmentSource.ts';
import type { AssistantCaller } from './assistantRequest.ts';
import { AssistantSessions } from './modelSettings.ts';

/**
 * The caller of a route request for environment `ref`.
 *
 * @example
 * const caller = await assistantCaller(context, request, params.name);
 */
export async function assistantCaller(
  context: unknown,
  request: Request,
  ref: string | undefined,
): Promise<AssistantCaller> {
  const studio = studioContext(context);
  const env = ref === undefined ? undefined : await environmentSource(studio, ref);
  // Membership of the environment's workspace (the guard in front already refused strangers to
  // it): the role the assistant's model calls and edits are allowed by.
  const member =
    env?.kind === 'studio'
      ? await currentMember(context as { membership?: Membership }, request, env.ref)
      : undefined;
  const cookie = readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE);
  return {
    session: member && cookie ? AssistantSessions.sessionKey(cookie) : undefined,
    member,
    env: env && { name: env.name, kind: env.kind },
  };
}
