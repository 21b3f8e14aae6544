import Anthropic from '@anthropic-ai/sdk';
import { PalestraError } from '@palestra/envs';
import OpenAI from 'openai';

/** Which judge a request went to: what a user needs to find the wrong setting. */
export interface JudgeEndpoint {
  provider: 'openai' | 'anthropic';
  model: string;
  /** The base URL the SDK used (the config's `baseURL`, or the provider's default). */
  url: string;
  /** Retries the SDK made before giving up (the config's `maxRetries`). */
  retries: number;
  timeoutMs: number;
}

/**
 * A judge request that failed in transport or at the provider, after the SDK's own retries:
 * the server could not be reached or did not answer in time, refused the key, does not know
 * the model, or answered with an HTTP error. The SDK error stays as `cause` (its stack is for
 * `--debug`); the message names the URL and model and the hint says which setting to check.
 *
 * `fatal` marks the failures that every further request to the same judge would repeat
 * (unreachable, refused key, unknown model): a run of many judge calls stops at the first one
 * instead of paying the retries once per item.
 *
 * @example
 * try { await judge.scoreEpisode(e) } catch (e) { if (e instanceof JudgeRequestError && e.fatal) … }
 */
export class JudgeRequestError extends PalestraError {
  override name = 'JudgeRequestError';
  readonly endpoint: JudgeEndpoint;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  readonly fatal: boolean;

  constructor(
    cause: InstanceType<typeof OpenAI.APIError> | InstanceType<typeof Anthropic.APIError>,
    endpoint: JudgeEndpoint,
  ) {
    const { code, message, hint, fatal } = describe(cause, endpoint);
    super(code, message, {
      cause,
      hint,
      details: { ...endpoint, ...(cause.status === undefined ? {} : { status: cause.status }) },
    });
    this.endpoint = endpoint;
    this.status = cause.status;
    this.fatal = fatal;
  }
}

/**
 * The SDK error as a `JudgeRequestError`; anything else (our own typed errors, a bug) unchanged.
 *
 * @example
 * catch (e) { throw judgeRequestError(e, endpoint) }
 */
export function judgeRequestError(e: unknown, endpoint: JudgeEndpoint): unknown {
  return e instanceof OpenAI.APIError || e instanceof Anthropic.APIError
    ? new JudgeRequestError(e, endpoint)
    : e;
}

function describe(
  e: InstanceType<typeof OpenAI.APIError> | InstanceType<typeof Anthropic.APIError>,
  at: JudgeEndpoint,
): { code: string; message: string; hint: string; fatal: boolean } {
  const who = `the ${at.provider} judge ${at.model} at ${at.url}`;
  const tries = at.retries > 0 ? ` (tried ${at.retries + 1} times)` : '';
  const keyVar = at.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
  if (e instanceof OpenAI.APIConnectionTimeoutError || e instanceof Anthropic.APIConnectionTimeoutError)
    return {
      code: 'JUDGE_TIMEOUT',
      message: `${who} did not answer within ${at.timeoutMs} ms${tries}`,
      hint: 'check that the server is up and not overloaded, or raise "timeoutMs" in the judge config',
      fatal: false,
    };
  if (e instanceof OpenAI.APIConnectionError || e instanceof Anthropic.APIConnectionError)
    return {
      code: 'JUDGE_UNREACHABLE',
      message: `cannot reach ${who}${tries}: ${rootCause(e)}`,
      hint: 'check "baseURL" in the judge\'s config (the --judge file, or the judge member of the --overseer file), and that the server is up and listening there',
      fatal: true,
    };
  const said = serverMessage(e);
  if (e.status === 401 || e.status === 403)
    return {
      code: 'JUDGE_AUTH',
      message: `${who} refused the API key (HTTP ${e.status})${said}`,
      hint: `set a valid key in ${keyVar} (or the variable named by the judge config's "apiKeyEnv")`,
      fatal: true,
    };
  if (e.status === 404)
    return {
      code: 'JUDGE_NOT_FOUND',
      message: `${who} answered 404 Not Found${said}`,
      hint: `check the model name and the "baseURL" (an OpenAI-compatible server is usually served under …/v1)`,
      fatal: true,
    };
  if (e.status === 429)
    return {
      code: 'JUDGE_RATE_LIMITED',
      message: `${who} is rate-limiting requests (HTTP 429)${tries}${said}`,
      hint: 'lower "concurrency" or raise "maxRetries" in the judge config, or try again later',
      fatal: false,
    };
  return {
    code: 'JUDGE_HTTP_ERROR',
    message: `${who} failed${e.status === undefined ? '' : ` with HTTP ${e.status}`}${tries}${said}`,
    hint:
      e.status !== undefined && e.status >= 500
        ? 'the judge server failed: check its logs, or try again later'
        : 'the judge refused the request: check the judge config (model, maxTokens) against what the server accepts',
    fatal: false,
  };
}

/** The innermost cause's code and message (`ECONNREFUSED …`), which says more than "Connection error.". */
function rootCause(e: Error): string {
  let c: unknown = e;
  while (c instanceof Error && c.cause instanceof Error) c = c.cause;
  if (c === e) return e.message;
  const err = c as Error & { code?: string };
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
}

/** What the server said, when it said anything beyond its status. */
function serverMessage(e: Error & { error?: unknown }): string {
  const body = e.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const m = body?.message ?? body?.error?.message;
  return typeof m === 'string' && m.length > 0 ? `: ${m.slice(0, 300)}` : '';
}
