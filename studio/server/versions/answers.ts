/**
 * JSON answers of the versions action (`Accept: application/json`), handed over by a redirect.
 *
 * Why: React Router renders a page route's action result into the page's HTML for a document
 * request (only a redirect passes through as it is), and the history page must be a page at the
 * same URL as the action. So a JSON client's POST is answered `303 See Other` to a one-time
 * resource URL (`/env/:name/versions/answer/:key`) that serves the JSON with its status; `fetch`
 * follows it, so the caller sees `{ root }` (200) or `{ code, message, hint, path? }` (422, …).
 */
import { randomBytes } from 'node:crypto';

/** How long an answer waits to be read. */
const TTL_MS = 60_000;

const answers = new Map<string, { body: unknown; status: number; timer: NodeJS.Timeout }>();

/** Keeps `body` for one read and returns its key. */
export function keepAnswer(body: unknown, status: number): string {
  const key = randomBytes(16).toString('hex');
  const timer = setTimeout(() => answers.delete(key), TTL_MS);
  timer.unref();
  answers.set(key, { body, status, timer });
  return key;
}

/** The answer under `key`, once; undefined when unknown, read already or expired. */
export function takeAnswer(key: string): { body: unknown; status: number } | undefined {
  const found = answers.get(key);
  if (!found) return undefined;
  answers.delete(key);
  clearTimeout(found.timer);
  return { body: found.body, status: found.status };
}
