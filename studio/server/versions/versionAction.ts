/**
 * `POST /env/:name/versions`, the history page's action and the contract other parts of the studio
 * use (the assistant's "Commit" card): form fields `intent=commit` with `message`, or
 * `intent=rollback` with `seq`. The member of the request's session is the author; only an owner or
 * an editor may commit. The working document is reached with that same session (the socket checks
 * it again, as for any browser).
 */

import { PalestraError } from '@palestra/errors';
import { currentMember } from '../auth/currentMember.ts';
import type { Membership } from '../auth/members.ts';
import { readCookie, SESSION_COOKIE } from '../auth/sessionCookie.ts';
import { selfUrl, studioContext } from '../context.ts';
import { commitMessage, commitWorkingDocument, rollBack, type VersionAuthor } from './commitVersion.ts';
import { VersionError, type VersionProblem, versionProblem } from './errors.ts';

/** What the action answers: the new head's root, or why not (with the HTTP status). */
export type VersionActionResult =
  | { ok: true; intent: 'commit' | 'rollback'; root: string }
  | { ok: false; status: 403 | 404 | 422 | 503; problem: VersionProblem };

const STATUS: Record<string, 403 | 404 | 422 | 503> = {
  STUDIO_VERSION_FORBIDDEN: 403,
  STUDIO_VERSION_NOT_FOUND: 404,
  STUDIO_ENVIRONMENT_NOT_FOUND: 404,
  STUDIO_DOC_UNREACHABLE: 503,
};

/**
 * Handles the form of `request` for studio environment `id`.
 *
 * @example
 * const result = await versionAction({ request, context, id: params.name });
 * if (result.ok) return { root: result.root };
 */
export async function versionAction({
  request,
  context,
  id,
}: {
  request: Request;
  context: { membership?: Membership } | undefined;
  id: string;
}): Promise<VersionActionResult> {
  try {
    const studio = studioContext(context);
    const env = await studio.repo.getEnvironment(id);
    if (!env)
      throw new VersionError('STUDIO_VERSION_NOT_FOUND', `no studio environment has the id ${id}`, {
        hint: 'catalog environments have no versions: fork one first',
      });
    // Its role in this environment's workspace: an editor of another workspace is no one here.
    const member = await currentMember(context, request, env.id);
    if (!member || member.role === 'viewer')
      throw new VersionError(
        'STUDIO_VERSION_FORBIDDEN',
        member ? `${member.name} is a viewer: viewers cannot commit or roll back` : 'no member is signed in',
        {
          hint: member ? 'ask the owner for an editor invite' : 'open the studio from its invite link first',
        },
      );
    const author: VersionAuthor = { id: member.id, name: member.name };
    const at = {
      studioUrl: selfUrl(studio, request),
      id: env.id,
      token: readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE),
    };
    const form = await request.formData();
    const intent = form.get('intent');
    if (intent === 'commit') {
      const message = commitMessage(form.get('message'));
      const { root } = await commitWorkingDocument(studio, at, env, { message, author });
      return { ok: true, intent, root };
    }
    if (intent === 'rollback') {
      const seq = Number(form.get('seq'));
      if (!Number.isSafeInteger(seq))
        throw new VersionError('STUDIO_VERSION_NOT_FOUND', 'no version was chosen to roll back to', {
          hint: 'choose a version from the history',
        });
      const { root } = await rollBack(studio, at, env, seq, author);
      return { ok: true, intent, root };
    }
    throw new VersionError('STUDIO_VERSION_MESSAGE', `unknown intent ${JSON.stringify(intent)}`, {
      hint: 'post intent=commit with a message, or intent=rollback with a seq',
    });
  } catch (e) {
    if (!(e instanceof PalestraError)) throw e;
    return { ok: false, status: STATUS[e.code] ?? 422, problem: versionProblem(e) };
  }
}
