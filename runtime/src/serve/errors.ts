import { PalestraError } from '@palestra/envs';

/**
 * An error of the env server that a client can act on: the request was out of order (step before
 * reset, step after the episode ended) or the server is full. `code` is Palestra's; the wire code
 * (OpenEnv's `EXECUTION_ERROR`, `CAPACITY_REACHED`, …) is chosen where the error is sent.
 */
export class ServeError extends PalestraError {
  override name = 'ServeError';
}

/** One line for a client: the message, then what to do. */
export function describeError(e: unknown): string {
  if (e instanceof PalestraError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  return e instanceof Error ? e.message : String(e);
}
