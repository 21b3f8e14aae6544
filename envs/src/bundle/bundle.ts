import { MemData } from '@0glabs/0g-ts-sdk';
import { canonicalJson } from '../episode/hash.ts';
import { PalestraError } from '../errors.ts';
import type { EnvSource } from '../kernel/source.ts';

/** Format tag inside the canonical bytes, so a future layout can never collide with this one. */
export const BUNDLE_FORMAT = 'palestra-bundle/1';

/**
 * The canonical bytes of an environment: RFC 8785 JSON of `{ format, spec, files }` (the validated
 * spec, defaults included, and every code file by name). Same content → same bytes anywhere.
 */
export function bundleBytes(source: EnvSource): Uint8Array {
  const files: Record<string, string> = {};
  for (const name of Object.keys(source.files).sort()) files[name] = source.files[name]!;
  return new TextEncoder().encode(canonicalJson({ format: BUNDLE_FORMAT, spec: source.spec, files }));
}

/**
 * The bundle id: the 0G Storage Merkle root of the canonical bytes, computed offline with the 0G
 * SDK, so the id in the local store is the root the same bytes get on 0G Storage.
 *
 * @example
 * const id = await bundleId(loadCatalog('refund-desk')); // '0x…' (32 bytes)
 */
export async function bundleId(source: EnvSource): Promise<string> {
  return merkleRoot(bundleBytes(source));
}

/** 0G Storage Merkle root of arbitrary bytes. */
export async function merkleRoot(bytes: Uint8Array): Promise<string> {
  const [tree, err] = await new MemData(bytes).merkleTree();
  if (err || !tree)
    throw new PalestraError('BUNDLE_FAILED', `0G Merkle tree failed: ${err?.message ?? 'no tree'}`);
  const root = tree.rootHash();
  if (!root) throw new PalestraError('BUNDLE_FAILED', '0G Merkle tree has no root');
  return root;
}
