/**
 * Typed errors of `@palestra/contracts`. Same shape as Palestra's other packages (`code`, message,
 * `details`, `hint` saying what to do); kept here because `contracts` imports no other Palestra package.
 *
 * @example
 * try { await chainUp() } catch (e) { if (e instanceof ContractsError) console.error(e.explain()) }
 */
export class ContractsError extends Error {
  override name = 'ContractsError';
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }

  /** The message, then the hint on its own line: what a CLI prints. */
  explain(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }
}
