/**
 * The studio database's errors: one class, codes declared once in the registry.
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const studioDbErrorCodes = registerCodes('studio', {
  STUDIO_DB_OPEN_FAILED: "the studio's database could not be opened or migrated",
  STUDIO_ENVIRONMENT_NOT_FOUND: 'no studio environment has that id',
});

export type StudioDbErrorCode = keyof typeof studioDbErrorCodes;

/**
 * An error from the studio's database layer.
 *
 * @example
 * throw new StudioDbError('STUDIO_ENVIRONMENT_NOT_FOUND', `no environment ${id}`, { details: { id } });
 */
export class StudioDbError extends PalestraError {
  override name = 'StudioDbError';
  declare readonly code: StudioDbErrorCode;

  constructor(code: StudioDbErrorCode, message: string, options: PalestraErrorOptions = {}) {
    super(code, message, options);
  }
}
