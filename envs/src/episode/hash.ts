import { createHash } from 'node:crypto';
import canonicalizeImport from 'canonicalize';

// canonicalize ships CommonJS with `module.exports = fn`; under NodeNext the default import is that function.
const canonicalize = canonicalizeImport as unknown as (v: unknown) => string | undefined;

/** RFC 8785 (JCS) canonical JSON: the one encoding every hash in Palestra is taken over. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError('value has no canonical JSON form');
  return s;
}

/** SHA-256 of a string or bytes, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** H(previous ‖ canonical(entry)): the previous hash as 32 raw bytes, then the entry's canonical JSON. */
export function chainHash(previousHex: string, entry: unknown): string {
  return chainHashOfCanonical(previousHex, canonicalJson(entry));
}

/** `chainHash` of an entry already in canonical JSON (so a caller that also writes it serialises once). */
export function chainHashOfCanonical(previousHex: string, canonical: string): string {
  return createHash('sha256').update(Buffer.from(previousHex, 'hex')).update(canonical).digest('hex');
}
