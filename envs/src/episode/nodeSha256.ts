/**
 * node:crypto's native SHA-256 for the Node entry point: the same bytes as @noble/hashes (the
 * browser-safe default), faster on the step path. `@palestra/envs/node` installs it on import.
 */
import { createHash } from 'node:crypto';
import type { Sha256Hex } from './hash.ts';

/** SHA-256 over the concatenation of `parts` (strings as UTF-8) with node:crypto, lower-case hex. */
export const nodeSha256Hex: Sha256Hex = (parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
