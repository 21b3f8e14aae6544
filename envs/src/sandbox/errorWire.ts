import { EnvCodeError, EnvStateError, PalestraError, SandboxError, SpecError } from '../errors.ts';

/** An error as it crosses from a worker (thread or Web Worker) to its host: plain data. */
export interface WireError {
  name: string;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
  hint?: string;
  issues?: unknown;
}

/** An error thrown in the worker, as data the host can rebuild (`reviveError`). */
export function serializeError(e: unknown): WireError {
  if (e instanceof PalestraError)
    return {
      name: e.name,
      code: e.code,
      message: e.message,
      details: e.details,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
      issues: (e as { issues?: unknown }).issues,
    };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The host's copy of an error the worker threw: the same class, code, message, details and hint. */
export function reviveError(e: WireError): Error {
  const opts = { details: e.details ?? {}, ...(e.hint ? { hint: e.hint } : {}) };
  switch (e.name) {
    case 'SandboxError':
      return new SandboxError(e.code ?? 'EXCEPTION', e.message, opts);
    case 'EnvStateError':
      return new EnvStateError(e.code ?? 'ENV_STATE', e.message, opts);
    case 'EnvCodeError':
      return new EnvCodeError(e.code ?? 'ENV_CODE', e.message, opts);
    case 'SpecError':
      return new SpecError((e.issues as never) ?? [{ path: '$', message: e.message }]);
    case 'RangeError':
      return new RangeError(e.message);
    default:
      return e.code ? new PalestraError(e.code, e.message, opts) : new Error(e.message);
  }
}
