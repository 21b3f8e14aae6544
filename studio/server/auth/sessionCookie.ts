/**
 * The studio's signed session cookie: `palestra_session=<token>.<HMAC-SHA256(secret, token)>`,
 * base64url both. The secret lives in `<studio dir>/session.key` (mode 0600), made on first start,
 * so cookies survive a restart and a copied cookie without the key cannot be forged. The token
 * itself is looked up (by its SHA-256) in the `sessions` table: the signature only spares the
 * database a lookup for a forged or torn value.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The cookie's name. */
export const SESSION_COOKIE = 'palestra_session';

/**
 * Reads `<dir>/session.key`, or makes it (32 random bytes, hex, mode 0600).
 *
 * @example
 * const secret = loadSecret('.palestra/studio');
 */
export function loadSecret(dir: string): Buffer {
  const file = join(dir, 'session.key');
  try {
    const hex = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(hex)) {
      chmodSync(file, 0o600);
      return Buffer.from(hex, 'hex');
    }
  } catch {
    // missing: made below
  }
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** A fresh random token (for a session or an invite), base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `<token>.<signature>`: the cookie's value, also accepted as `?token=` on the socket. */
export function signSession(secret: Buffer, token: string): string {
  return `${token}.${createHmac('sha256', secret).update(token).digest('base64url')}`;
}

/** The token of a signed value, or undefined when the signature does not match. */
export function verifySession(secret: Buffer, value: string): string | undefined {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const token = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(createHmac('sha256', secret).update(token).digest('base64url'));
  return given.length === expected.length && timingSafeEqual(given, expected) ? token : undefined;
}

/** The value of cookie `name` in a `Cookie:` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The `Set-Cookie:` value for a signed session (HttpOnly, SameSite=Lax, a year). */
export function sessionCookieHeader(signed: string): string {
  return `${SESSION_COOKIE}=${signed}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${365 * 24 * 3600}`;
}
