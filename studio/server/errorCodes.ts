/**
 * Every code the studio gives an error with, and what it means, declared once in the shared
 * registry of `@palestra/errors`.
 */
import { registerCodes } from '@palestra/errors';

export const studioErrorCodes = registerCodes('studio', {
  STUDIO_RUNNING: 'a studio already runs with this data folder (its server.json names a live process)',
  STUDIO_PORT_BUSY: "the studio's port is taken by another program",
  STUDIO_BUILD_FAILED: "the studio's web app failed to build",
});
export type StudioErrorCode = keyof typeof studioErrorCodes;
