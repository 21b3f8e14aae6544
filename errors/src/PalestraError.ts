import { walk } from './walk.ts';

/** What a `PalestraError` carries besides its code and message. */
export interface PalestraErrorOptions {
  /** Where it went wrong: a JSON path, a step number, a file, the offending values. */
  details?: Record<string, unknown>;
  /** What to do about it, where we know. */
  hint?: string;
  /** The error that caused this one (`walk()` follows it). */
  cause?: unknown;
}

/**
 * Palestra's error base. Every error a user can meet says what went wrong (`code`, message),
 * where (`details`: a JSON path, a step number, a file) and, where we know it, what to do (`hint`).
 * Each domain subclasses it (`SpecError`, `ContractsError`) and declares its codes with
 * `registerCodes`.
 *
 * @example
 * try { parseSpec(json) } catch (e) { if (e instanceof SpecError) console.error(e.issues) }
 */
export class PalestraError extends Error {
  override name = 'PalestraError';
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: PalestraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }

  /** The message, then the hint on its own line: what a CLI prints. */
  explain(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }

  /**
   * `walk(this, predicate)`: the first error in this one's cause chain (itself first) that
   * satisfies `predicate`, or the root cause without one.
   *
   * @example
   * error.walk((e) => e instanceof SandboxError)
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walk(this, predicate);
  }
}
