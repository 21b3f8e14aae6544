/**
 * The registry of error codes: every domain (`contracts`, `envs`, …) declares its codes once, with
 * a sentence saying what each means, and a code belongs to one domain only. A code is what a user
 * searches for and what a caller compares against, so two domains that both said `PORT_BUSY` with
 * different meanings would make either reading wrong; the registry refuses that at import time.
 */

/** What the registry knows about one code. */
export interface CodeInfo {
  /** The domain that declared it (`contracts`). */
  domain: string;
  /** What the code means, in a sentence. */
  meaning: string;
}

const registry = new Map<string, CodeInfo>();

/**
 * Declares a domain's codes and returns them as a typed, frozen map, so that a domain's error class
 * can take `keyof typeof CODES` and a misspelt code fails to compile. Declaring the same code again
 * for the same domain with the same meaning is a no-op (a module evaluated twice); a code already
 * declared by another domain, or with another meaning, throws.
 *
 * @example
 * export const contractsCodes = registerCodes('contracts', { PORT_BUSY: 'the chain port is taken' });
 * type ContractsErrorCode = keyof typeof contractsCodes;   // 'PORT_BUSY'
 */
export function registerCodes<const Codes extends Record<string, string>>(
  domain: string,
  codes: Codes,
): Readonly<Codes> {
  // Check every code before adding any, so a refused declaration leaves the registry as it was.
  for (const [code, meaning] of Object.entries(codes)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(code))
      throw new TypeError(`error code "${code}" of ${domain} is not UPPER_SNAKE_CASE`);
    const known = registry.get(code);
    if (known && (known.domain !== domain || known.meaning !== meaning))
      throw new TypeError(
        known.domain !== domain
          ? `error code ${code} is declared by both ${known.domain} and ${domain}: rename one of them`
          : `error code ${code} of ${domain} is declared twice with different meanings`,
      );
  }
  for (const [code, meaning] of Object.entries(codes)) registry.set(code, { domain, meaning });
  return Object.freeze({ ...codes });
}

/**
 * The domain and meaning of a registered code, or `undefined` for a code no domain declared.
 *
 * @example
 * describeCode('PORT_BUSY')   // { domain: 'contracts', meaning: 'the chain port is taken' }
 */
export function describeCode(code: string): CodeInfo | undefined {
  const info = registry.get(code);
  return info && { ...info };
}

/** Every registered code with its domain and meaning, sorted by code (for docs and `--help`). */
export function registeredCodes(): Array<CodeInfo & { code: string }> {
  return [...registry]
    .map(([code, info]) => ({ code, ...info }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
