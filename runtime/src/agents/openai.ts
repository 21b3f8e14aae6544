import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources';
import { z } from 'zod';
import type { Agent, TurnInput, TurnRecord, TurnResult } from './agent.ts';
import { httpFetch } from './httpFetch.ts';
import {
  apiKeyFor,
  badResponse,
  EpisodeConversations,
  observationText,
  openaiTools,
  type PolicyFailure,
  policyError,
  systemPrompt,
  toolCallAction,
  toolResultTexts,
} from './messages.ts';
import { TURN_RECORD_VERSION } from './turnRecord.ts';

export interface OpenAiAgentOptions {
  /** The model name the endpoint serves (`gpt-4o-mini`, `Qwen/Qwen2.5-1.5B-Instruct`, `model@step`). */
  model: string;
  /** An OpenAI-compatible endpoint, ending in `/v1` (vLLM, llama.cpp, Ollama, Palestra's trainer). Default: `OPENAI_BASE_URL`, else OpenAI. */
  baseURL?: string;
  /** Default: `OPENAI_API_KEY`; a local base URL needs none. */
  apiKey?: string;
  temperature?: number;
  /** Sent as `max_tokens`, which every OpenAI-compatible server reads. */
  maxTokens?: number;
  /**
   * Ask for vLLM's token ids and log-probabilities (`logprobs`, `return_token_ids`,
   * `return_tokens_as_token_ids`). Default: on for any base URL other than api.openai.com, which
   * rejects the vLLM fields.
   */
  logprobs?: boolean;
  /** How many alternatives per token (`top_logprobs`); only with `logprobs`. Default 0. */
  topLogprobs?: number;
  /** Per attempt, in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** Retries with backoff on 429, 5xx, timeouts and connection errors (the SDK honours `retry-after`). Default 2. */
  maxRetries?: number;
  /**
   * Send a `seed` with every request, derived from the episode's agent seed and the turn, so a
   * rerun samples the same answers where the endpoint honours it (vLLM and Palestra's trainer do;
   * OpenAI's API only tries). Default false.
   */
  seedRequests?: boolean;
}

/** The request seed of a turn: the episode's agent seed and the turn mixed into 31 bits (distinct per member and turn). */
export function requestSeed(agentSeed: number, step: number): number {
  let h = Math.imul(agentSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 1;
}

/** The parts of a Chat Completions answer the agent reads (vLLM's extras included), checked before use. */
const completionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                // Some OpenAI-compatible servers leave out the id, or send the arguments as an object.
                id: z.string().nullish(),
                function: z.object({ name: z.string(), arguments: z.unknown() }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
        logprobs: z
          .object({ content: z.array(z.object({ token: z.string(), logprob: z.number() })).nullish() })
          .nullish(),
        token_ids: z.array(z.number().int()).nullish(),
      }),
    )
    .min(1, 'no choices'),
  prompt_token_ids: z.array(z.number().int()).nullish(),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

/** An episode's conversation so far, and the tool calls of its last turn, waiting for their results. */
interface Conversation {
  messages: ChatCompletionMessageParam[];
  pendingCalls: string[];
}

/**
 * An agent backed by an OpenAI-compatible Chat Completions endpoint with tools. The conversation is
 * kept per episode: the task's instructions as the system message, the first observation as a user
 * message, then each turn's assistant message and, for its tool calls, `tool` messages carrying
 * the next observation (a text reply is answered by a user message). Several tool calls become
 * several actions, in order; a reply with none is the action `{ text }`; arguments that are not a
 * JSON object reach the kernel as they are and are reported there as invalid. Token ids and
 * log-probabilities go in the turn record when the endpoint returns them (vLLM does).
 *
 * @example
 * const agent = openaiAgent({ model: 'Qwen/Qwen2.5-1.5B-Instruct', baseURL: 'http://127.0.0.1:8000/v1' });
 * await runEpisodes(loadCatalog('echo-target'), agent, { episodes: 4, seed: 1, out: 'runs/echo' });
 */
export function openaiAgent(options: OpenAiAgentOptions): Agent {
  const baseURL = options.baseURL || process.env.OPENAI_BASE_URL || undefined;
  const apiKey = apiKeyFor('OPENAI_API_KEY', options.apiKey, baseURL);
  const maxRetries = options.maxRetries ?? 2;
  // The SDK loads on the first turn, so CLI commands that use no model do not pay for it.
  let sdk: Promise<{ client: OpenAI; module: typeof import('openai') }> | undefined;
  const load = () =>
    (sdk ??= import('openai').then((module) => ({
      module,
      client: new module.default({
        apiKey,
        baseURL,
        maxRetries,
        timeout: options.timeoutMs ?? 120_000,
        // Plain-http endpoints (vLLM, the trainer) go through node:http: a third of fetch's CPU per call.
        ...(baseURL?.startsWith('http:') ? { fetch: httpFetch() } : {}),
      }),
    })));
  let url = baseURL ?? 'https://api.openai.com/v1';
  const id = `openai:${options.model}`;
  // vLLM's fields: on by default except for OpenAI's API (which rejects them). Left to the default,
  // an endpoint that answers 400 to them (some hosted providers) is asked again without them, once.
  let logprobs = options.logprobs ?? (baseURL !== undefined && !/api\.openai\.com/.test(baseURL));
  const logprobsFallback = options.logprobs === undefined;
  // Per episode index, so one agent can play several episodes at once.
  const conversations = new EpisodeConversations<Conversation>();
  const agentSeeds = new EpisodeConversations<number>();

  /** The messages of this turn's request; the conversation itself changes only once the model has answered. */
  function requestMessages(input: TurnInput): ChatCompletionMessageParam[] {
    const c = input.step === 0 ? undefined : conversations.get(input.episodeIndex);
    if (!c)
      return [
        { role: 'system', content: systemPrompt(input.episode) },
        { role: 'user', content: observationText(input.observation) },
      ];
    if (c.pendingCalls.length === 0)
      return [...c.messages, { role: 'user', content: observationText(input.observation) }];
    const texts = toolResultTexts(c.pendingCalls.length, input.observation);
    return [
      ...c.messages,
      ...c.pendingCalls.map((callId, i) => ({
        role: 'tool' as const,
        tool_call_id: callId,
        content: texts[i]!,
      })),
    ];
  }

  function requestBody(messages: ChatCompletionMessageParam[], input: TurnInput) {
    const body: ChatCompletionCreateParamsNonStreaming & Record<string, unknown> = {
      model: options.model,
      messages,
      tools: openaiTools(input.tools),
      tool_choice: 'auto',
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.maxTokens === undefined ? {} : { max_tokens: options.maxTokens }),
      ...(options.seedRequests
        ? { seed: requestSeed(agentSeeds.get(input.episodeIndex) ?? 0, input.step) }
        : {}),
      // vLLM's fields: sent as extra body fields, which the SDK passes through untouched.
      ...(logprobs
        ? {
            logprobs: true,
            ...(options.topLogprobs ? { top_logprobs: options.topLogprobs } : {}),
            return_token_ids: true,
            return_tokens_as_token_ids: true,
          }
        : {}),
    };
    return body;
  }

  return {
    id,
    startEpisode(index, seed) {
      conversations.delete(index);
      agentSeeds.set(index, seed);
    },
    async turn(input: TurnInput): Promise<TurnResult> {
      const messages = requestMessages(input);
      const { client, module } = await load();
      url = client.baseURL;
      const request = input.signal ? { signal: input.signal } : undefined;
      const started = performance.now();
      let raw: unknown;
      try {
        raw = await client.chat.completions.create(requestBody(messages, input), request);
      } catch (e) {
        const failure = failureOf(module, e);
        if (!(logprobs && logprobsFallback && failure.kind === 'http' && failure.status === 400))
          throw policyError(id, url, failure, maxRetries, e);
        logprobs = false;
        try {
          raw = await client.chat.completions.create(requestBody(messages, input), request);
        } catch (e2) {
          throw policyError(id, url, failureOf(module, e2), maxRetries, e2);
        }
      }
      const latencyMs = performance.now() - started;
      const parsed = completionSchema.safeParse(raw);
      if (!parsed.success)
        throw badResponse(
          id,
          url,
          parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      const answer = parsed.data;
      const choice = answer.choices[0]!;
      const calls = (choice.message.tool_calls ?? []).map((c, i) => ({
        id: c.id || `call_${input.step}_${i}`,
        name: c.function.name,
        value: c.function.arguments,
        // The arguments exactly as the model wrote them (malformed JSON included), for the record.
        arguments:
          typeof c.function.arguments === 'string'
            ? c.function.arguments
            : (JSON.stringify(c.function.arguments) ?? ''),
      }));
      const text = choice.message.content ?? null;

      const assistant: ChatCompletionMessageParam = {
        role: 'assistant',
        content: text,
        ...(calls.length > 0
          ? {
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      };
      conversations.set(input.episodeIndex, {
        messages: [...messages, assistant],
        pendingCalls: calls.map((c) => c.id),
      });

      const tokens = choice.logprobs?.content ?? null;
      const turn: TurnRecord = {
        v: TURN_RECORD_VERSION,
        agent: id,
        policy: answer.model ?? null,
        messages,
        completion: {
          text,
          toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
        },
        finishReason: choice.finish_reason ?? null,
        promptTokenIds: answer.prompt_token_ids ?? null,
        completionTokenIds: choice.token_ids ?? idsFromTokens(tokens),
        logprobs: tokens ? tokens.map((t) => t.logprob) : null,
        usage: answer.usage
          ? { promptTokens: answer.usage.prompt_tokens, completionTokens: answer.usage.completion_tokens }
          : null,
        latencyMs,
      };
      const actions =
        calls.length > 0 ? calls.map((c) => toolCallAction(c.name, c.value)) : [{ text: text ?? '' }];
      return { actions, turn };
    },
  };
}

/** With `return_tokens_as_token_ids`, vLLM writes each token as `token_id:<id>`: the ids, if every token has that form. */
function idsFromTokens(tokens: { token: string }[] | null): number[] | null {
  if (!tokens || tokens.length === 0) return null;
  const ids: number[] = [];
  for (const t of tokens) {
    const m = /^token_id:(\d+)$/.exec(t.token);
    if (!m) return null;
    ids.push(Number(m[1]));
  }
  return ids;
}

/** The SDK's error classes → what went wrong. */
function failureOf(sdk: typeof import('openai'), e: unknown): PolicyFailure {
  const message = e instanceof Error ? e.message : String(e);
  // Subclasses first: a timeout is a connection error, and both are API errors.
  if (e instanceof sdk.APIUserAbortError) return { kind: 'aborted', message };
  if (e instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', message };
  if (e instanceof sdk.APIConnectionError) return { kind: 'unreachable', message };
  if (e instanceof sdk.APIError && typeof e.status === 'number')
    return { kind: 'http', status: e.status, message };
  return { kind: 'bad-response', message };
}
