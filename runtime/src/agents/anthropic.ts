import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { Agent, TurnInput, TurnRecord, TurnResult } from './agent.ts';
import { httpFetch } from './httpFetch.ts';
import {
  anthropicTools,
  apiKeyFor,
  badResponse,
  EpisodeConversations,
  observationText,
  type PolicyFailure,
  policyError,
  systemPrompt,
  toolCallAction,
  toolResultTexts,
} from './messages.ts';
import { TURN_RECORD_VERSION } from './turnRecord.ts';

export interface AnthropicAgentOptions {
  /** `claude-sonnet-4-5`, … */
  model: string;
  /** Default: `ANTHROPIC_BASE_URL`, else Anthropic's API. Without `/v1` (the SDK adds it). */
  baseURL?: string;
  /** Default: `ANTHROPIC_API_KEY`; a local base URL needs none. */
  apiKey?: string;
  temperature?: number;
  /** Required by the Messages API. Default 1024. */
  maxTokens?: number;
  /** Per attempt, in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** Retries with backoff on 429, 5xx (529 overloaded included), timeouts and connection errors. Default 2. */
  maxRetries?: number;
}

/** The parts of a Messages answer the agent reads, checked before use. */
const messageSchema = z.object({
  model: z.string().optional(),
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }).passthrough(),
      z
        .object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() })
        .passthrough(),
      z.object({ type: z.string() }).passthrough(),
    ]),
  ),
  stop_reason: z.string().nullish(),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }).nullish(),
});

/** An episode's conversation so far, and the tool_use ids of its last turn, waiting for their results. */
interface Conversation {
  messages: Anthropic.MessageParam[];
  pendingCalls: string[];
}

/**
 * An agent backed by Anthropic Messages with tool use. The task's instructions are the system
 * prompt; the first observation is the first user message; each `tool_use` block is an action (in
 * order), and the next user message answers each with a `tool_result` block (the last carries the
 * next observation). A reply with no tool use is the action `{ text }`. Anthropic returns no token
 * ids or log-probabilities, so those fields of the turn record are null. The turn record's messages
 * start with the system prompt as `{ role: 'system', content }`, then the request's messages.
 *
 * @example
 * const agent = anthropicAgent({ model: 'claude-sonnet-4-5' }); // reads ANTHROPIC_API_KEY
 */
export function anthropicAgent(options: AnthropicAgentOptions): Agent {
  const baseURL = options.baseURL || process.env.ANTHROPIC_BASE_URL || undefined;
  const apiKey = apiKeyFor('ANTHROPIC_API_KEY', options.apiKey, baseURL);
  const maxRetries = options.maxRetries ?? 2;
  // The SDK loads on the first turn, so CLI commands that use no model do not pay for it.
  let sdk: Promise<{ client: Anthropic; module: typeof import('@anthropic-ai/sdk') }> | undefined;
  const load = () =>
    (sdk ??= import('@anthropic-ai/sdk').then((module) => ({
      module,
      client: new module.default({
        apiKey,
        baseURL,
        maxRetries,
        timeout: options.timeoutMs ?? 120_000,
        // Plain-http endpoints go through node:http: a third of fetch's CPU per call (see httpFetch).
        ...(baseURL?.startsWith('http:') ? { fetch: httpFetch() } : {}),
      }),
    })));
  let url = baseURL ?? 'https://api.anthropic.com';
  const id = `anthropic:${options.model}`;
  const conversations = new EpisodeConversations<Conversation>();

  /** The messages of this turn's request; the conversation itself changes only once the model has answered. */
  function requestMessages(input: TurnInput): Anthropic.MessageParam[] {
    const c = input.step === 0 ? undefined : conversations.get(input.episodeIndex);
    if (!c) return [{ role: 'user', content: observationText(input.observation) }];
    if (c.pendingCalls.length === 0)
      return [...c.messages, { role: 'user', content: observationText(input.observation) }];
    const texts = toolResultTexts(c.pendingCalls.length, input.observation);
    return [
      ...c.messages,
      {
        role: 'user',
        content: c.pendingCalls.map((callId, i) => ({
          type: 'tool_result' as const,
          tool_use_id: callId,
          content: texts[i]!,
        })),
      },
    ];
  }

  return {
    id,
    startEpisode(index) {
      conversations.delete(index);
    },
    async turn(input: TurnInput): Promise<TurnResult> {
      const messages = requestMessages(input);
      const system = systemPrompt(input.episode);
      const { client, module } = await load();
      url = client.baseURL;
      const started = performance.now();
      let raw: unknown;
      try {
        raw = await client.messages.create(
          {
            model: options.model,
            max_tokens: options.maxTokens ?? 1024,
            system,
            messages,
            tools: anthropicTools(input.tools),
            tool_choice: { type: 'auto' },
            ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
          },
          input.signal ? { signal: input.signal } : undefined,
        );
      } catch (e) {
        throw policyError(id, url, failureOf(module, e), maxRetries, e);
      }
      const latencyMs = performance.now() - started;
      const parsed = messageSchema.safeParse(raw);
      if (!parsed.success)
        throw badResponse(
          id,
          url,
          parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      const answer = parsed.data;
      const texts: string[] = [];
      const uses: { id: string; name: string; input: unknown }[] = [];
      for (const block of answer.content) {
        if (block.type === 'text') texts.push((block as { text: string }).text);
        else if (block.type === 'tool_use') uses.push(block as { id: string; name: string; input: unknown });
      }
      const text = texts.length > 0 ? texts.join('\n') : null;

      // The assistant's blocks go back as they came (thinking blocks included, as the API requires);
      // the API refuses an empty assistant message, so an empty answer is kept as a placeholder.
      const content =
        answer.content.length > 0
          ? (answer.content as Anthropic.ContentBlockParam[])
          : [{ type: 'text' as const, text: '(no reply)' }];
      conversations.set(input.episodeIndex, {
        messages: [...messages, { role: 'assistant', content }],
        pendingCalls: uses.map((u) => u.id),
      });

      const turn: TurnRecord = {
        v: TURN_RECORD_VERSION,
        agent: id,
        policy: answer.model ?? null,
        messages: [{ role: 'system', content: system }, ...messages],
        completion: {
          text,
          toolCalls: uses.map((u) => ({ id: u.id, name: u.name, arguments: JSON.stringify(u.input) ?? '' })),
        },
        finishReason: answer.stop_reason ?? null,
        promptTokenIds: null,
        completionTokenIds: null,
        logprobs: null,
        usage: answer.usage
          ? { promptTokens: answer.usage.input_tokens, completionTokens: answer.usage.output_tokens }
          : null,
        latencyMs,
      };
      const actions =
        uses.length > 0 ? uses.map((u) => toolCallAction(u.name, u.input)) : [{ text: text ?? '' }];
      return { actions, turn };
    },
  };
}

/** The SDK's error classes → what went wrong. */
function failureOf(sdk: typeof import('@anthropic-ai/sdk'), e: unknown): PolicyFailure {
  const message = e instanceof Error ? e.message : String(e);
  // Subclasses first: a timeout is a connection error, and both are API errors.
  if (e instanceof sdk.APIUserAbortError) return { kind: 'aborted', message };
  if (e instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', message };
  if (e instanceof sdk.APIConnectionError) return { kind: 'unreachable', message };
  if (e instanceof sdk.APIError && typeof e.status === 'number')
    return { kind: 'http', status: e.status, message };
  return { kind: 'bad-response', message };
}
