import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import canonicalizeImport from 'canonicalize';

// canonicalize ships CommonJS with `module.exports = fn`; under NodeNext the default import is that function.
const canonicalize = canonicalizeImport as unknown as (v: unknown) => string | undefined;

// SHA-256 through @noble/hashes, not node:crypto nor Web Crypto: the same synchronous code on
// every host (a browser has no node:crypto, and Web Crypto's digest is asynchronous, which the
// synchronous step path cannot wait for). Audited, and bit-identical to node:crypto (the golden
// episodes of the catalog check every hash).

/** RFC 8785 (JCS) canonical JSON: the one encoding every hash in Palestra is taken over. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError('value has no canonical JSON form');
  return s;
}

/** SHA-256 of a string (its UTF-8 bytes) or of bytes, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** H(previous ‖ canonical(entry)): the previous hash as 32 raw bytes, then the entry's canonical JSON. */
export function chainHash(previousHex: string, entry: unknown): string {
  return chainHashOfCanonical(previousHex, canonicalJson(entry));
}

/** `chainHash` of an entry already in canonical JSON (so a caller that also writes it serialises once). */
export function chainHashOfCanonical(previousHex: string, canonical: string): string {
  return bytesToHex(sha256.create().update(hexToBytes(previousHex)).update(utf8ToBytes(canonical)).digest());
}
