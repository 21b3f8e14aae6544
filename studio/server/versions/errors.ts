/**
 * Why a version could not be committed, rolled back or exported: one class, codes declared once in
 * the shared registry. A route answers them as `{ code, message, hint, path? }`.
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const versionErrorCodes = registerCodes('studio', {
  STUDIO_VERSION_INVALID: 'the working document does not parse as a GymSpec, so it cannot be a version',
  STUDIO_VERSION_UNCHANGED: 'a commit of a document whose bundle is the head version already',
  STUDIO_VERSION_NOT_FOUND: 'no version of this environment has that number',
  STUDIO_VERSION_FORBIDDEN: 'committing or rolling back without an editor or owner session',
  STUDIO_VERSION_MESSAGE: 'a commit without a message, or with one over 500 characters',
  STUDIO_DOC_UNREACHABLE: "the environment's collaborative document could not be opened or saved in time",
});

export type VersionErrorCode = keyof typeof versionErrorCodes;

/**
 * @example
 * throw new VersionError('STUDIO_VERSION_NOT_FOUND', 'no version 7 of this environment', { details: { seq: 7 } });
 */
export class VersionError extends PalestraError {
  override name = 'VersionError';
  declare readonly code: VersionErrorCode;

  constructor(code: VersionErrorCode, message: string, options: PalestraErrorOptions = {}) {
    super(code, message, options);
  }
}

/** What a page or a JSON client gets for a refusal. */
export interface VersionProblem {
  code: string;
  message: string;
  hint?: string;
  /** A JSON path in the spec, for a document that does not parse. */
  path?: string;
}

/** The refusal as the routes answer it (any PalestraError; other errors are not caught here). */
export function versionProblem(e: PalestraError): VersionProblem {
  const path = e.details.path;
  return {
    code: e.code,
    message: e.message,
    ...(e.hint !== undefined && { hint: e.hint }),
    ...(typeof path === 'string' && { path }),
  };
}
