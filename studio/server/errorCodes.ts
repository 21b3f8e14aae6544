/**
 * Every code the studio gives an error with, and what it means, declared once in the shared
 * registry of `@palestra/errors`.
 */
import { registerCodes } from '@palestra/errors';

export const studioErrorCodes = registerCodes('studio', {
  STUDIO_RUNNING: 'a studio already runs with this data folder (its server.json names a live process)',
  STUDIO_PORT_BUSY: "the studio's port is taken by another program",
  STUDIO_BUILD_FAILED: "the studio's web app failed to build",
  STUDIO_CLOSED: 'a check that was queued or running when the studio closed',
  STUDIO_UNAUTHORIZED: "a loopback call to the studio's API without the token of its server.json",
  STUDIO_BAD_REQUEST: "a call to the studio's API whose body is not the JSON it takes",
  STUDIO_RUN_OUTSIDE: "a run folder to register that is missing or not under the studio's runs folder",
  STUDIO_RUN_NOT_A_RUN:
    'a folder to register as a run that holds no episode file or names no environment root',
  STUDIO_RUN_NOT_REGISTERED: 'a run folder the studio could not write to its database',
  STUDIO_WORKSPACE_NOT_FOUND: 'an invite or a new environment names a workspace that does not exist',
  STUDIO_WORKSPACE_FORBIDDEN: 'a new environment or invite for a workspace the member may not change',
});
export type StudioErrorCode = keyof typeof studioErrorCodes;
