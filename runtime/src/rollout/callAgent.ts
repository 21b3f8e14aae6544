import { PalestraError } from '@palestra/envs';
import type { Agent, TurnInput, TurnResult } from '../agents/agent.ts';
import type { Limiter } from '../play/limiter.ts';

/** An agent's turn failed after every retry (or could not be retried). */
export class AgentError extends PalestraError {
  override name = 'AgentError';
}

export interface CallAgentOptions {
  /** Abort the whole run: no retry, the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Per-attempt deadline; the agent's `signal` fires at it and the attempt counts as failed. */
  timeoutMs?: number;
  /** Attempts after the first. Default 3. */
  retries?: number;
  /** First backoff; doubles each retry, with ±50% jitter from `random`. Default 250 ms. */
  backoffMs?: number;
  /** Jitter source in [0, 1). Default: none (exact doubling), which keeps tests exact. */
  random?: () => number;
  /** Each attempt holds a slot of this limiter (backoff waits do not), so it caps model calls in flight. */
  limiter?: Limiter;
  /** Called before each retry (for logs and counters). */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/**
 * Errors a retry cannot fix: an HTTP 4xx from the endpoint (a bad key, a wrong model name, a
 * request it rejects), except 408, 409 and 429, which are about timing. The status is read from
 * a Palestra policy error's details or from an SDK error. An agent may also mark its error
 * `details.permanent` (a human whose input ended).
 */
export function isPermanent(e: unknown): boolean {
  if ((e as { details?: { permanent?: unknown } })?.details?.permanent === true) return true;
  const status =
    (e as { details?: { status?: unknown } })?.details?.status ?? (e as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One attempt: the agent gets a signal that fires on the run's abort or at the deadline; an agent that ignores it is not waited for. */
async function attempt(agent: Agent, input: TurnInput, options: CallAgentOptions): Promise<TurnResult> {
  const controller = new AbortController();
  const { signal: runSignal, timeoutMs } = options;
  let timer: NodeJS.Timeout | undefined;
  let onRunAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onRunAbort = () => {
      controller.abort(runSignal!.reason);
      reject(runSignal!.reason);
    };
    if (runSignal?.aborted) onRunAbort();
    else runSignal?.addEventListener('abort', onRunAbort, { once: true });
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        const e = new AgentError('AGENT_TIMEOUT', `the agent's turn took longer than ${timeoutMs} ms`, {
          details: { timeoutMs, step: input.step, episode: input.episodeIndex },
          hint: 'raise --timeout-ms, or check the model endpoint',
        });
        controller.abort(e);
        reject(e);
      }, timeoutMs);
  });
  stopped.catch(() => {});
  try {
    return await Promise.race([
      Promise.resolve().then(() => agent.turn({ ...input, signal: controller.signal })),
      stopped,
    ]);
  } finally {
    clearTimeout(timer);
    if (onRunAbort) runSignal?.removeEventListener('abort', onRunAbort);
  }
}

/**
 * Calls `agent.turn` with a per-attempt timeout and retries failures with exponential backoff.
 * A retry repeats the same input, so an agent should leave its state unchanged by a failed turn.
 * The run's abort is never retried: it rejects at once with the signal's reason.
 *
 * @example
 * const { actions, turn } = await callAgent(agent, input, { timeoutMs: 60_000, retries: 3, signal });
 */
export async function callAgent(
  agent: Agent,
  input: TurnInput,
  options: CallAgentOptions = {},
): Promise<TurnResult> {
  const retries = options.retries ?? 3;
  const base = options.backoffMs ?? 250;
  for (let n = 0; ; n++) {
    try {
      const result = options.limiter
        ? await options.limiter.run(() => attempt(agent, input, options), options.signal)
        : await attempt(agent, input, options);
      if (!result || !Array.isArray(result.actions))
        throw new AgentError('AGENT_BAD_RESULT', `agent ${agent.id} returned no actions list`);
      return result;
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (n >= retries || isPermanent(e)) {
        if (e instanceof AgentError && n === 0) throw e;
        throw new AgentError(
          'AGENT_FAILED',
          `agent ${agent.id} failed ${n + 1} time${n === 0 ? '' : 's'} at step ${input.step} of episode ${input.episodeIndex}: ${(e as Error)?.message ?? String(e)}`,
          { cause: e, details: { attempts: n + 1, step: input.step, episode: input.episodeIndex } },
        );
      }
      const jitter = options.random ? 0.5 + options.random() : 1;
      const delay = Math.round(base * 2 ** n * jitter);
      options.onRetry?.(n + 1, e, delay);
      await sleep(delay, options.signal);
    }
  }
}
