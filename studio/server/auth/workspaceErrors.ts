/**
 * Why managing a workspace was refused (rename, delete, change a role, remove a member, leave):
 * one class, its own codes declared once in the registry, each with the HTTP status the
 * workspaces page answers with. A not-a-member and a not-an-owner reuse the codes new
 * environments and invites already give (`STUDIO_WORKSPACE_NOT_FOUND`, `STUDIO_WORKSPACE_FORBIDDEN`).
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';
import type { StudioErrorCode } from '../errorCodes.ts';

export const workspaceErrorCodes = registerCodes('studio', {
  STUDIO_WORKSPACE_NAME_INVALID: 'a workspace name that is empty or longer than the studio allows',
  STUDIO_WORKSPACE_NOT_EMPTY: 'a workspace to delete that still holds environments',
  STUDIO_WORKSPACE_DEFAULT:
    'the default workspace cannot be deleted, nor its local owner removed from it or demoted',
  STUDIO_WORKSPACE_LAST_OWNER: 'a change that would leave a workspace without any owner',
  STUDIO_MEMBER_NOT_FOUND: 'a member to change or remove who does not belong to the workspace',
});

export type WorkspaceErrorCode =
  | keyof typeof workspaceErrorCodes
  | Extract<StudioErrorCode, 'STUDIO_WORKSPACE_NOT_FOUND' | 'STUDIO_WORKSPACE_FORBIDDEN'>;

/**
 * A refused change to a workspace, with the status its page answers (400, 403, 404 or 409).
 *
 * @example
 * throw new WorkspaceError('STUDIO_WORKSPACE_LAST_OWNER', 'Refund needs an owner', { status: 409, hint: '…' });
 */
export class WorkspaceError extends PalestraError {
  override name = 'WorkspaceError';
  declare readonly code: WorkspaceErrorCode;
  readonly status: 400 | 403 | 404 | 409;

  constructor(
    code: WorkspaceErrorCode,
    message: string,
    options: PalestraErrorOptions & { status: 400 | 403 | 404 | 409 },
  ) {
    super(code, message, options);
    this.status = options.status;
  }
}
