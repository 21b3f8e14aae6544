/**
 * Reading and answering HTTP requests: bodies within `REQUEST_LIMITS`, FastAPI's error shapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkJsonText, InputLimitError, REQUEST_LIMITS } from '@palestra/envs';
import { describeError } from './errors.ts';
import type { ValidationIssue } from './validationIssues.ts';
import { wireJson } from './wireJson.ts';

// A body is read up to this many bytes, then refused: no UTF-8 text this long is within the
// character limit (a UTF-16 code unit takes at most 3 bytes), so the exact check can wait for the text.
const MAX_BODY = 3 * REQUEST_LIMITS.maxChars;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    /** Palestra's code, sent beside `detail` when there is one. */
    readonly code?: string,
  ) {
    super(typeof detail === 'string' ? detail : 'request error');
  }
}

/**
 * A body past `REQUEST_LIMITS`: 413 when it is too large, 422 when it nests too deep (FastAPI's
 * shape of a validation error, so OpenEnv clients read it), with the code either way.
 */
function limitError(e: InputLimitError): HttpError {
  if (e.code === 'INPUT_TOO_LARGE') return new HttpError(413, describeError(e), e.code);
  return new HttpError(
    422,
    [{ type: 'json_invalid', loc: ['body', 0], msg: describeError(e), input: {} }],
    e.code,
  );
}

export const unprocessable = (issues: ValidationIssue[]) => new HttpError(422, issues);

/** A page to send as HTML rather than JSON. */
export class HtmlPage {
  constructor(readonly html: string) {}
}

export function reply(res: ServerResponse, status: number, body: unknown): void {
  const html = body instanceof HtmlPage;
  const text = html ? body.html : wireJson(body);
  res.writeHead(status, {
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A body as text, up to the limit (for the `/web` page's forms). */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`, 'INPUT_TOO_LARGE');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req: IncomingMessage, emptyAs: unknown): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new HttpError(
        413,
        `the body is larger than ${MAX_BODY} bytes; the limit is ${REQUEST_LIMITS.maxChars} characters`,
        'INPUT_TOO_LARGE',
      );
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return emptyAs;
  // Depth and size before anything recurses over the value (zod, and every JSON.stringify after).
  try {
    checkJsonText(text, REQUEST_LIMITS, 'the request body');
  } catch (e) {
    if (e instanceof InputLimitError) throw limitError(e);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw unprocessable([
      {
        type: 'json_invalid',
        loc: ['body', 0],
        msg: `JSON decode error: ${(e as Error).message}`,
        input: {},
      },
    ]);
  }
}
