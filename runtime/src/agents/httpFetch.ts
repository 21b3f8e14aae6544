import { Agent, request } from 'node:http';

/**
 * A `fetch` for plain-`http:` endpoints (a vLLM server, Palestra's trainer, a llama.cpp server on
 * the local network), handed to the `openai` and `@anthropic-ai/sdk` clients through their `fetch`
 * option. Why not the global fetch: on Node 20 each fetch call costs about 1.1 ms of CPU in
 * undici's WHATWG streams, against about 0.35 ms for `node:http` with a keep-alive agent
 * (measured with 64 requests in flight against a local server). With hundreds of episodes in
 * flight that difference is the harness's whole budget. Anything it does not handle — `https:`,
 * streamed or binary request bodies — goes to the global fetch unchanged.
 *
 * The SDKs see a real `Response`; an abort rejects with an `AbortError` (the SDK reports it as a
 * timeout or a user abort, as with fetch), and a socket error rejects with a `TypeError`, which
 * the SDKs report as a connection error.
 */
export function httpFetch(options: { agent?: Agent } = {}): typeof fetch {
  // Keep-alive sockets are shared by every client of the process: a rollout makes an agent (and
  // an SDK client) per episode, and a connection per episode would cost more than the request.
  sharedAgent ??= new Agent({ keepAlive: true, maxSockets: 4096 });
  const agent = options.agent ?? sharedAgent;
  const fallback = globalThis.fetch;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body;
    if (url.protocol !== 'http:' || input instanceof Request || (body != null && typeof body !== 'string'))
      return fallback(input, init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const req = request(
        {
          host: url.hostname,
          port: url.port || 80,
          path: url.pathname + url.search,
          method: init?.method ?? 'GET',
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            signal?.removeEventListener('abort', onAbort);
            const h = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) h.append(name, v);
              else if (value !== undefined) h.set(name, value);
            }
            const status = res.statusCode ?? 502;
            // A Response may not carry a body with these statuses.
            const empty = status === 204 || status === 205 || status === 304;
            resolve(
              new Response(empty ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: h,
              }),
            );
          });
        },
      );
      function fail(e: Error) {
        signal?.removeEventListener('abort', onAbort);
        reject(
          signal?.aborted ? abortError(signal) : new TypeError(`fetch failed: ${e.message}`, { cause: e }),
        );
      }
      function onAbort() {
        req.destroy();
        reject(abortError(signal!));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(body ?? undefined);
    });
  };
}

let sharedAgent: Agent | undefined;

function abortError(signal: AbortSignal): unknown {
  return signal.reason instanceof Error && signal.reason.name === 'AbortError'
    ? signal.reason
    : new DOMException('This operation was aborted', 'AbortError');
}
