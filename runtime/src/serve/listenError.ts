import { ServeError } from './errors.ts';

/** Where the server was asked to listen, as the flags said it. */
export interface ListenTarget {
  host: string;
  port: number;
}

/**
 * The typed error for a socket that could not listen (Node's `EADDRINUSE`, `EACCES`,
 * `EADDRNOTAVAIL`, `ENOTFOUND`), naming the address and the flag to change; any other error is
 * returned as it is.
 *
 * @example
 * try { await startServer(source, { port: 8000 }) } catch (e) { throw listenError(e, { host, port: 8000 }) }
 * // ServeError PORT_IN_USE: port 8000 on 127.0.0.1 is already in use …
 */
export function listenError(e: unknown, target: ListenTarget): unknown {
  const errno = (e as { code?: unknown } | null)?.code;
  const where = `port ${target.port} on ${target.host}`;
  const options = { details: { ...target }, cause: e };
  switch (errno) {
    case 'EADDRINUSE':
      return new ServeError('PORT_IN_USE', `${where} is already in use (another server listens there)`, {
        ...options,
        hint: `pass another --port, or --port 0 to take a free one (the address is printed when serving starts)`,
      });
    case 'EACCES':
      return new ServeError('PORT_NOT_PERMITTED', `${where}: this user may not listen there`, {
        ...options,
        hint: 'ports below 1024 need privileges: pass --port 1024 or above, or --port 0 for a free one',
      });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ServeError(
        'HOST_UNAVAILABLE',
        errno === 'ENOTFOUND'
          ? `--host ${target.host} is not a name this machine can resolve`
          : `--host ${target.host} is not an address of this machine`,
        {
          ...options,
          hint: 'pass --host 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its addresses',
        },
      );
    default:
      return e;
  }
}
