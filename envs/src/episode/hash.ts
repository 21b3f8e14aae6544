import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import canonicalizeImport from 'canonicalize';

// canonicalize ships CommonJS with `module.exports = fn`; under NodeNext the default import is that function.
const canonicalize = canonicalizeImport as unknown as (v: unknown) => string | undefined;

// SHA-256 through @noble/hashes, not Web Crypto: synchronous code that runs on every host (a
// browser has no node:crypto, and Web Crypto's digest is asynchronous, which the synchronous step
// path cannot wait for). Audited, and bit-identical to node:crypto. `@palestra/envs/node` swaps in
// node:crypto's native digest (`useSha256`), which the kernel benchmark measured faster on the
// step path; the outputs are the same bytes (a test compares the two, the golden episodes check
// every hash, and the browser test gets Node's roots).

/** SHA-256 over the concatenation of `parts` (strings as UTF-8), lower-case hex. */
export type Sha256Hex = (parts: (string | Uint8Array)[]) => string;

/** @noble/hashes' SHA-256: the implementation every host has. */
export const nobleSha256Hex: Sha256Hex = (parts) => {
  const h = sha256.create();
  for (const p of parts) h.update(typeof p === 'string' ? utf8ToBytes(p) : p);
  return bytesToHex(h.digest());
};

let digestHex: Sha256Hex = nobleSha256Hex;

/**
 * Replaces the SHA-256 implementation with another that gives the same bytes (a host's native
 * one). Pure functions of their input, so swapping never changes a hash.
 *
 * @example
 * useSha256((parts) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex'));
 */
export function useSha256(impl: Sha256Hex): void {
  digestHex = impl;
}

/** RFC 8785 (JCS) canonical JSON: the one encoding every hash in Palestra is taken over. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError('value has no canonical JSON form');
  return s;
}

/** SHA-256 of a string (its UTF-8 bytes) or of bytes, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return digestHex([data]);
}

/** H(previous ‖ canonical(entry)): the previous hash as 32 raw bytes, then the entry's canonical JSON. */
export function chainHash(previousHex: string, entry: unknown): string {
  return chainHashOfCanonical(previousHex, canonicalJson(entry));
}

/** `chainHash` of an entry already in canonical JSON (so a caller that also writes it serialises once). */
export function chainHashOfCanonical(previousHex: string, canonical: string): string {
  return digestHex([hexToBytes(previousHex), canonical]);
}
