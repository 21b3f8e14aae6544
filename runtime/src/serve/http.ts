import type { IncomingMessage, ServerResponse } from 'node:http';
import { PalestraError } from '@palestra/envs';
import { describeError } from './errors.ts';
import { HttpError, reply } from './httpBody.ts';
import { matchRoute, type Route } from './routes.ts';

/**
 * Answers one HTTP request from the route table (`httpRoutes`, which `/openapi.json` documents):
 * 404 for a path no route has, 405 for a method it lacks, FastAPI's `{detail}` for errors.
 */
export async function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  routes: readonly Route[],
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  try {
    const found = matchRoute(routes, method, path);
    if (!found) throw new HttpError(404, 'Not Found');
    if (found === 'method') throw new HttpError(405, 'Method Not Allowed');
    reply(res, 200, await found.route.handle(req, found.params));
  } catch (e) {
    if (e instanceof HttpError)
      return reply(res, e.status, { detail: e.detail, ...(e.code ? { code: e.code } : {}) });
    // A reset naming a task that does not exist is the client's mistake; anything else means the
    // environment failed (its code threw or hung).
    if (e instanceof RangeError)
      return reply(res, 422, {
        detail: [{ type: 'value_error', loc: ['body'], msg: e.message, input: null }],
      });
    reply(res, 500, { detail: describeError(e), ...(e instanceof PalestraError ? { code: e.code } : {}) });
  }
}
