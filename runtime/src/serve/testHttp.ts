/**
 * The serve tests' HTTP client: a JSON POST to a real server and its status and body. Test support
 * only: nothing in the runtime imports it.
 */
import type { EnvServer } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted field by field
export type Json = any;

/** POSTs `body` (JSON, or a string sent as it is, for malformed bodies) to `server` at `path`. */
export async function post(server: EnvServer, path: string, body: unknown) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}
