/**
 * The working copy of a studio environment, for the simulate page: the collaborative document as
 * the studio holds it now (`toSpec`, on the server), which may differ from the head version. Its
 * bundle goes into the content store, so that an episode played on it names a root that can be
 * replayed, and its root is remembered so that the episode can be saved (`environmentSource`'s
 * `<id>@<root>`).
 */
import { ContentStore } from '@palestra/envs';
import { usesModules } from '@palestra/envs/core';
import { PalestraError } from '@palestra/errors';
import { readCookie, SESSION_COOKIE } from '../auth/sessionCookie.ts';
import { type StudioContext, selfUrl } from '../context.ts';
import { type LoadedEnvironment, rememberWorkingRoot } from '../environmentSource.ts';
import { sourceOfDocument } from './commitVersion.ts';
import { type VersionProblem, versionProblem } from './errors.ts';
import { withWorkingDocument } from './workingDocument.ts';

/** The environment to play, and whether it is the working copy or why it is not. */
export type WorkingCopy =
  | { kind: 'working'; env: LoadedEnvironment }
  | { kind: 'head'; env: LoadedEnvironment; problem?: VersionProblem };

/**
 * The working copy of `head` (a studio environment at its head version) as `request`'s member
 * opens it: `working` when it differs from the head, else `head`; `head` with the problem when the
 * document does not parse or cannot be opened (the page says so and plays the head version).
 *
 * @example
 * const copy = await workingCopy(studio, request, await environmentSource(studio, id));
 */
export async function workingCopy(
  studio: StudioContext,
  request: Request,
  head: LoadedEnvironment,
): Promise<WorkingCopy> {
  try {
    const source = await withWorkingDocument(
      {
        studioUrl: selfUrl(studio, request),
        id: head.ref,
        token: readCookie(request.headers.get('cookie') ?? undefined, SESSION_COOKIE),
      },
      (doc) => sourceOfDocument(doc),
    );
    const root = await new ContentStore(studio.storeDir).putSource(source);
    if (root === head.root) return { kind: 'head', env: head };
    rememberWorkingRoot(head.ref, root);
    return { kind: 'working', env: { ...head, ...source, root, modules: usesModules(source.spec) } };
  } catch (e) {
    if (!(e instanceof PalestraError)) throw e;
    return { kind: 'head', env: head, problem: versionProblem(e) };
  }
}
