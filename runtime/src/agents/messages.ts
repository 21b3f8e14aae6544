import { type Action, type Observation, PalestraError, type ResetInfo, type ToolSpec } from '@palestra/envs';

/**
 * What model-backed agents share: the words a model reads (system prompt, observations, tool
 * results), the environment's tools in each provider's shape, tool calls turned back into actions,
 * API keys, and provider failures turned into PalestraErrors a user can act on.
 */

/** The system prompt of an episode: how to act, then the task's instructions. */
export function systemPrompt(episode: ResetInfo): string {
  const lines = [
    'You are an agent acting in a simulated environment. Act by calling the tools you are given;',
    'a reply with no tool call is also an action. After each action you receive the next observation.',
  ];
  if (episode.instructions) lines.push('', `Task: ${episode.instructions}`);
  return lines.join('\n');
}

/** The text a model reads for an observation. */
export function observationText(observation: Observation): string {
  return observation.text;
}

/**
 * The result text of each tool call of the previous turn. The agent only sees the observation after
 * the last call (the calls were applied in order as steps), so that observation goes to the last
 * call and the earlier calls say so.
 */
export function toolResultTexts(calls: number, observation: Observation): string[] {
  return Array.from({ length: calls }, (_, i) =>
    i === calls - 1
      ? observationText(observation)
      : `Applied (call ${i + 1} of ${calls}); the observation after the last call is in its result.`,
  );
}

/**
 * Model agents' conversations, one per episode index (so one agent can play several episodes at
 * once). Episodes do not say when they end, so the oldest are forgotten past `limit`: far more than
 * any run keeps in flight, far less than a long run's episodes.
 */
export class EpisodeConversations<C> {
  private readonly byEpisode = new Map<number, C>();
  constructor(private readonly limit = 1024) {}

  get(index: number): C | undefined {
    return this.byEpisode.get(index);
  }

  set(index: number, conversation: C): void {
    // Re-inserted, so the map's order is the order of last use.
    this.byEpisode.delete(index);
    this.byEpisode.set(index, conversation);
    while (this.byEpisode.size > this.limit) this.byEpisode.delete(this.byEpisode.keys().next().value!);
  }

  delete(index: number): void {
    this.byEpisode.delete(index);
  }

  get size(): number {
    return this.byEpisode.size;
  }
}

/** A tool in OpenAI Chat Completions' shape. */
export interface OpenAiTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** The environment's tools for OpenAI-compatible endpoints (OpenAI, vLLM, llama.cpp, Ollama). */
export function openaiTools(tools: ToolSpec[]): OpenAiTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

/** A tool in Anthropic Messages' shape. */
export interface AnthropicTool {
  name: string;
  description: string;
  input_schema: { type: 'object'; [key: string]: unknown };
}

/** The environment's tools for Anthropic Messages. */
export function anthropicTools(tools: ToolSpec[]): AnthropicTool[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { ...t.parameters, type: 'object' },
  }));
}

/**
 * A tool call → an action. Arguments arrive as a JSON string (OpenAI) or a value (Anthropic).
 * Anything that is not a JSON object stays as it came (the raw string, the array…): the kernel then
 * reports the step as an invalid action (`INVALID_ARGUMENTS`) instead of the agent crashing, and the
 * model is told why in the next observation.
 */
export function toolCallAction(name: unknown, args: unknown): Action {
  let value = args;
  if (typeof args === 'string') {
    try {
      value = args.trim() === '' ? {} : JSON.parse(args);
    } catch {
      value = args;
    }
  }
  // Deliberately typed loosely: a malformed call must reach the kernel as it is, to be rejected there.
  return {
    tool: typeof name === 'string' ? name : String(name),
    arguments: value as Record<string, unknown>,
  };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

/** True when a base URL points at this machine (a local vLLM, llama.cpp, Ollama, a test server). */
export function isLocalUrl(baseURL: string | undefined): boolean {
  if (!baseURL) return false;
  try {
    return LOCAL_HOSTS.has(new URL(baseURL).hostname);
  } catch {
    return false;
  }
}

/**
 * The API key to use: the one given, else the environment variable. A local server needs no key,
 * so it gets a placeholder; anywhere else a missing key is an error naming the variable.
 */
export function apiKeyFor(variable: string, given: string | undefined, baseURL: string | undefined): string {
  const key = given ?? process.env[variable];
  if (key) return key;
  if (isLocalUrl(baseURL)) return 'local-no-key';
  throw new PalestraError('MISSING_API_KEY', `no API key: set ${variable}`, {
    details: { variable, baseURL: baseURL ?? null },
    hint: `export ${variable}=… (for a server that needs no key, any value works, e.g. ${variable}=none)`,
  });
}

/** What went wrong in a model call, as each agent reads it from its SDK's error classes. */
export type PolicyFailure =
  | { kind: 'aborted' | 'timeout' | 'unreachable' | 'bad-response'; message: string }
  | { kind: 'http'; status: number; message: string };

/**
 * A failed model call → a PalestraError that says what happened and what to do. The SDKs have
 * already retried 429 and 5xx answers, timeouts and connection errors `maxRetries` times when
 * this is called.
 */
export function policyError(
  agent: string,
  url: string,
  failure: PolicyFailure,
  maxRetries: number,
  cause: unknown,
): PalestraError {
  const details = { agent, url };
  const attempts = maxRetries + 1;
  const times = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  switch (failure.kind) {
    case 'aborted':
      return new PalestraError('POLICY_ABORTED', `${agent}: the model call was cancelled`, {
        details,
        cause,
      });
    case 'timeout':
      return new PalestraError('POLICY_TIMEOUT', `${agent}: the model did not answer in time (${times})`, {
        details: { ...details, attempts },
        cause,
        hint: 'raise the timeout, or check that the endpoint is not overloaded',
      });
    case 'unreachable':
      return new PalestraError('POLICY_UNREACHABLE', `${agent}: cannot reach ${url} (${times})`, {
        details: { ...details, attempts },
        cause,
        hint: `check the base URL (--base-url, or ${agent.startsWith('anthropic:') ? 'ANTHROPIC_BASE_URL' : 'OPENAI_BASE_URL'}) and that the server is running`,
      });
    case 'bad-response':
      return badResponse(agent, url, failure.message, cause);
    case 'http': {
      const { status } = failure;
      const retried = status === 408 || status === 409 || status === 429 || status >= 500;
      const hint =
        status === 401 || status === 403
          ? 'check the API key'
          : status === 404
            ? 'check the model name and the base URL (OpenAI-compatible servers usually end in /v1)'
            : status === 429
              ? 'the endpoint is rate-limiting: wait, lower concurrency, or raise maxRetries'
              : status >= 500
                ? 'the endpoint failed: check its logs'
                : 'the endpoint rejected the request: see the message';
      return new PalestraError(
        'POLICY_HTTP_ERROR',
        `${agent}: HTTP ${status} from ${url}${retried ? ` after ${times}` : ''}: ${failure.message}`,
        { details: { ...details, status, attempts: retried ? attempts : 1 }, cause, hint },
      );
    }
  }
}

/** A response that parsed as JSON but has the wrong shape. */
export function badResponse(agent: string, url: string, why: string, cause?: unknown): PalestraError {
  return new PalestraError('POLICY_BAD_RESPONSE', `${agent}: unusable answer from ${url}: ${why}`, {
    details: { agent, url },
    cause,
    hint: 'the endpoint does not speak the expected wire format',
  });
}
