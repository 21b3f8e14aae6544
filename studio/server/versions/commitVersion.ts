/**
 * Versions of a studio environment: a commit turns the working document into a bundle in the
 * content store and records its root as the new head; a roll back makes an old root the head again
 * as a new version, and the working document follows it. The quick check of each new root runs in
 * its worker thread afterwards and is recorded on the version.
 */
import { ContentStore } from '@palestra/envs';
import { type EnvSource, envSource, InputLimitError, SpecError } from '@palestra/envs/core';
import { PalestraError } from '@palestra/errors';
import type * as Y from 'yjs';
import { filesOf, toSpec } from '../../app/doc/toSpec.ts';
import { checkReport, checkSummary } from '../checkStatus.ts';
import type { StudioContext } from '../context.ts';
import type { Environment, Version, VersionCheck } from '../db/index.ts';
import { VersionError } from './errors.ts';
import { replaceDocument } from './replaceDocument.ts';
import { type WorkingDocumentAddress, withWorkingDocument } from './workingDocument.ts';

/** Who commits: the member of the request. */
export interface VersionAuthor {
  id: string;
  name: string;
}

/** The longest commit message kept. */
export const MAX_MESSAGE = 500;

/**
 * The environment a document describes, validated as a bundle would be: `toSpec`, then
 * `envSource` (the parser with its JSON paths). Throws `STUDIO_VERSION_INVALID` with the first
 * problem's path in `details.path` and every problem in `details.issues`.
 *
 * @example
 * const source = sourceOfDocument(fromSpec(loadCatalog('tally').spec));
 */
export function sourceOfDocument(doc: Y.Doc): EnvSource {
  const { spec } = toSpec(doc);
  try {
    return envSource(spec, filesOf(doc));
  } catch (e) {
    if (e instanceof SpecError) {
      const [first] = e.issues;
      throw new VersionError(
        'STUDIO_VERSION_INVALID',
        `the document does not parse (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'})${first ? `: ${first.path}: ${first.message}` : ''}`,
        {
          cause: e,
          details: { issues: e.issues, ...(first && { path: first.path }) },
          hint: first?.hint ?? 'fix each problem the page lists (at its JSON path), then commit again',
        },
      );
    }
    if (e instanceof InputLimitError)
      throw new VersionError('STUDIO_VERSION_INVALID', e.message, { cause: e, hint: e.hint });
    throw e;
  }
}

/** A message as a version keeps it: trimmed; refused when empty or too long. */
export function commitMessage(raw: unknown): string {
  const message = typeof raw === 'string' ? raw.trim() : '';
  if (message === '' || message.length > MAX_MESSAGE)
    throw new VersionError(
      'STUDIO_VERSION_MESSAGE',
      message === '' ? 'a version needs a message' : `the message is ${message.length} characters long`,
      {
        hint: `say in a line (at most ${MAX_MESSAGE} characters) what changed, e.g. "add the escalated state"`,
      },
    );
  return message;
}

/**
 * Commits `doc` as a new version of `env`: its bundle into the content store, its root recorded as
 * the head (with the author, the message and the head it was made on), its check started. Refuses
 * a document that does not parse (`STUDIO_VERSION_INVALID`) and one whose root is the head already
 * (`STUDIO_VERSION_UNCHANGED`); neither writes a version.
 *
 * @example
 * const { root } = await commitDocument(studio, env, doc, { message: 'add escalated', author });
 */
export async function commitDocument(
  studio: StudioContext,
  env: Environment,
  doc: Y.Doc,
  { message, author }: { message: string; author: VersionAuthor | null },
): Promise<{ root: string }> {
  const source = sourceOfDocument(doc);
  const root = await new ContentStore(studio.storeDir).putSource(source);
  if (root === env.headRoot)
    throw new VersionError('STUDIO_VERSION_UNCHANGED', 'nothing changed since the head version', {
      details: { root },
      hint: 'edit the environment first; the head version already holds this content',
    });
  await studio.repo.addVersion(env.id, root, {
    note: message,
    authorId: author?.id ?? null,
    authorName: author?.name ?? null,
    parentRoot: env.headRoot,
  });
  recordCheck(studio, env.id, { ...source, root });
  return { root };
}

/**
 * Commits the working document of `env` as the studio holds it now (the room's document, which has
 * every update a browser reported saved).
 */
export function commitWorkingDocument(
  studio: StudioContext,
  at: WorkingDocumentAddress,
  env: Environment,
  commit: { message: string; author: VersionAuthor | null },
): Promise<{ root: string }> {
  return withWorkingDocument(at, (doc) => commitDocument(studio, env, doc, commit));
}

/**
 * Rolls `env` back to its version `seq`: that root becomes a new head version ("Roll back to …"),
 * and the working document is replaced by its content in one transaction, saved before the version
 * is recorded (a failure leaves both as they were, or the document changed and no version: a
 * commit then records it).
 *
 * @example
 * await rollBack(studio, { studioUrl, id: env.id, token }, env, 3, author);
 */
export async function rollBack(
  studio: StudioContext,
  at: WorkingDocumentAddress,
  env: Environment,
  seq: number,
  author: VersionAuthor | null,
): Promise<{ root: string; version: Version }> {
  const version = await studio.repo.getVersion(env.id, seq);
  if (!version)
    throw new VersionError('STUDIO_VERSION_NOT_FOUND', `no version ${seq} of ${env.name}`, {
      details: { id: env.id, seq },
      hint: 'choose a version from the history',
    });
  const source = await new ContentStore(studio.storeDir).getSource(version.root);
  await withWorkingDocument(at, (doc) => replaceDocument(doc, source.spec, source.files));
  await studio.repo.addVersion(env.id, version.root, {
    note: `Roll back to version ${version.seq}${version.note ? ` "${version.note}"` : ''} (${version.root.slice(0, 10)}…)`,
    authorId: author?.id ?? null,
    authorName: author?.name ?? null,
    parentRoot: env.headRoot,
  });
  recordCheck(studio, env.id, { ...source, root: version.root });
  return { root: version.root, version };
}

/** The check of a root as a version records it. */
export async function versionCheck(
  studio: StudioContext,
  env: EnvSource & { root: string },
): Promise<VersionCheck> {
  try {
    const summary = checkSummary(await checkReport(studio, env));
    return { state: summary.ok ? 'passed' : 'failed', failed: summary.failed, warnings: summary.warnings };
  } catch (e) {
    if (e instanceof PalestraError && e.code === 'STUDIO_CLOSED') throw e;
    return {
      state: 'error',
      failed: 0,
      warnings: 0,
      code: e instanceof PalestraError ? e.code : 'CHECK_FAILED',
      message: e instanceof Error ? e.message : String(e),
    };
  }
}

/** Checks a new root in the background (a check takes seconds) and records it on its versions. */
function recordCheck(studio: StudioContext, id: string, env: EnvSource & { root: string }): void {
  versionCheck(studio, env)
    .then((check) => studio.repo.setVersionCheck(id, env.root, check))
    // A studio closing meanwhile: the history page checks the root again when it is opened.
    .catch(() => {});
}
