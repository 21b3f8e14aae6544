/**
 * One call of the design assistant's model, in either wire format: OpenAI Chat Completions (any
 * OpenAI-compatible endpoint) or Anthropic Messages, with the assistant's tools, through the
 * providers' SDKs as the runtime's agents call them. The SDKs hand back what the server sent,
 * unchecked, and an OpenAI-compatible server is not OpenAI: the answer is checked here with zod.
 * Failures become `AssistantError`s with the same hints as the runtime's agents give
 * (`runtime/src/agents/messages.ts`), under the assistant's own codes and HTTP statuses.
 */
import Anthropic, * as anthropic from '@anthropic-ai/sdk';
import { isLocalUrl } from '@palestra/runtime';
import OpenAI, * as openai from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources';
import { z } from 'zod';
import type { AssistantTool } from '../../app/assistant/tools.ts';
import type { ChatMessage, ModelReply } from '../../app/assistant/transcript.ts';
import { AssistantError } from './errors.ts';
import type { ModelSettings } from './modelSettings.ts';

/** What one model call sends. */
export interface ModelRequest {
  system: string;
  messages: ChatMessage[];
  tools: readonly AssistantTool[];
}

/** Per call. */
export const MODEL_TIMEOUT_MS = 120_000;
/**
 * No retries. The member sees the error in the panel and sends again when they choose: a timeout
 * retried would keep them waiting twice as long for the same error, and a rate limit or a failing
 * server retried at once rarely passes (the runtime's agents retry because nobody watches a run).
 */
const MAX_RETRIES = 0;
/** The answer's length budget (Anthropic requires one). */
const MAX_TOKENS = 4096;
/** What the SDKs send as the key to a local endpoint when none was given: they refuse to run without one. */
const LOCAL_NO_KEY = 'local-no-key';

/** The SDK's base URL: the typed one, else the provider's; Anthropic's without `/v1`, as its SDK takes it. */
function baseUrlOf(settings: ModelSettings): string {
  const base = settings.baseUrl.replace(/\/+$/, '');
  if (settings.provider === 'openai') return base || 'https://api.openai.com/v1';
  return (base || 'https://api.anthropic.com').replace(/\/v1$/, '');
}

/** The endpoint the SDK POSTs to, as messages name it. */
export function endpointOf(settings: ModelSettings): string {
  const base = baseUrlOf(settings);
  return settings.provider === 'openai' ? `${base}/chat/completions` : `${base}/v1/messages`;
}

/** The key to send: the typed one, else the provider's environment variable; a local endpoint needs none. */
function keyFor(settings: ModelSettings, typed: string | undefined, url: string): string | undefined {
  const variable = settings.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
  const key = typed || process.env[variable];
  if (key) return key;
  // This machine needs no key: the runtime's agents' rule.
  if (isLocalUrl(url)) return undefined;
  throw new AssistantError('ASSISTANT_NO_KEY', `no API key for ${new URL(url).host}`, {
    status: 400,
    hint: `type the key in the assistant's settings (kept in the studio's memory for this session), or start the studio with ${variable} set`,
  });
}

function openaiBody(settings: ModelSettings, req: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: req.system }];
  for (const m of req.messages) {
    if (m.role === 'user') messages.push({ role: 'user', content: m.text });
    else if (m.role === 'assistant')
      messages.push({
        role: 'assistant',
        content: m.text,
        ...(m.toolCalls.length > 0 && {
          tool_calls: m.toolCalls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.arguments },
          })),
        }),
      });
    else for (const r of m.results) messages.push({ role: 'tool', tool_call_id: r.id, content: r.content });
  }
  return {
    model: settings.model,
    messages,
    tools: req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    })),
    tool_choice: 'auto',
    max_tokens: MAX_TOKENS,
  };
}

/** Arguments as Anthropic wants them: an object (a model's malformed JSON is passed as `{ _raw }`). */
function inputOf(args: string): unknown {
  try {
    const v = args.trim() === '' ? {} : JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { _raw: args };
  } catch {
    return { _raw: args };
  }
}

function anthropicBody(
  settings: ModelSettings,
  req: ModelRequest,
): Anthropic.MessageCreateParamsNonStreaming {
  const messages: (Anthropic.MessageParam & { content: Anthropic.ContentBlockParam[] })[] = [];
  // Messages must alternate: a user turn after tool results joins them (as the API itself allows).
  const push = (role: 'user' | 'assistant', content: Anthropic.ContentBlockParam[]) => {
    const last = messages.at(-1);
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  for (const m of req.messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: m.text }]);
    else if (m.role === 'assistant') {
      const blocks: Anthropic.ContentBlockParam[] = [];
      if (m.text) blocks.push({ type: 'text', text: m.text });
      for (const c of m.toolCalls)
        blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: inputOf(c.arguments) });
      // The API refuses an empty assistant message.
      push('assistant', blocks.length > 0 ? blocks : [{ type: 'text', text: '(no reply)' }]);
    } else
      push(
        'user',
        m.results.map((r) => ({
          type: 'tool_result' as const,
          tool_use_id: r.id,
          content: r.content,
          ...(r.isError && { is_error: true }),
        })),
      );
  }
  return {
    model: settings.model,
    max_tokens: MAX_TOKENS,
    system: req.system,
    messages,
    tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })),
  };
}

const openaiAnswer = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().nullish(),
                function: z.object({ name: z.string(), arguments: z.unknown() }),
              }),
            )
            .nullish(),
        }),
      }),
    )
    .min(1, 'no choices'),
});

const anthropicAnswer = z.object({
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
      z.object({ type: z.string() }),
    ]),
  ),
});

/** Arguments as a JSON text, however the endpoint sent them. */
const argumentsText = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

function replyOf(provider: ModelSettings['provider'], body: unknown, url: string, model: string): ModelReply {
  // The SDKs return the body as text when the server does not call it JSON.
  if (typeof body === 'string')
    throw badResponse(url, model, `not JSON (${body.slice(0, 80) || 'an empty body'})`);
  const issues = (e: z.ZodError) =>
    e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  if (provider === 'openai') {
    const parsed = openaiAnswer.safeParse(body);
    if (!parsed.success) throw badResponse(url, model, issues(parsed.error));
    const message = parsed.data.choices[0]!.message;
    return {
      text: message.content ?? null,
      toolCalls: (message.tool_calls ?? []).map((c, i) => ({
        id: c.id || `call_${i}`,
        name: c.function.name,
        arguments: argumentsText(c.function.arguments),
      })),
    };
  }
  const parsed = anthropicAnswer.safeParse(body);
  if (!parsed.success) throw badResponse(url, model, issues(parsed.error));
  const texts: string[] = [];
  const toolCalls: ModelReply['toolCalls'] = [];
  for (const block of parsed.data.content) {
    if (block.type === 'text' && 'text' in block) texts.push(block.text);
    else if (block.type === 'tool_use' && 'input' in block)
      toolCalls.push({ id: block.id, name: block.name, arguments: argumentsText(block.input) });
  }
  return { text: texts.length > 0 ? texts.join('\n') : null, toolCalls };
}

function badResponse(url: string, model: string, why: string): AssistantError {
  return new AssistantError('ASSISTANT_MODEL_BAD_RESPONSE', `${model}: unusable answer from ${url}: ${why}`, {
    status: 502,
    hint: 'the endpoint does not speak the chosen wire format: check the provider and the base URL',
  });
}

/**
 * The provider's own words from an HTTP error: `{ error: { message } }` in both formats (OpenAI's
 * SDK keeps the body's `error`, Anthropic's the whole body), else the SDK's message without its
 * leading status.
 */
function providerWords(e: openai.APIError | anthropic.APIError): string {
  const words = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v || undefined;
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as { message?: unknown; error?: unknown };
    return words(o.message) ?? words(o.error);
  };
  const said = words(e.error) ?? e.message.replace(/^\d+ /, '').replace(/^status code \(no body\)$/, '');
  return said.slice(0, 300) || '(no body)';
}

/** Some providers quote the key they refused: never pass it on to the page. */
function redact(message: string, key: string | undefined): string {
  return key && key.length >= 4 ? message.split(key).join('[the key]') : message;
}

function httpHint(status: number): string {
  if (status === 401 || status === 403) return 'check the API key';
  if (status === 404)
    return 'check the model name and the base URL (OpenAI-compatible servers usually end in /v1)';
  if (status === 429) return 'the endpoint is rate-limiting: wait a moment and send again';
  if (status >= 500) return 'the endpoint failed: check its logs, or send again';
  return 'the endpoint rejected the request: see the message';
}

/** Where a failed call went wrong, as both SDKs' error classes say (subclasses first: a timeout is a connection error). */
function callError(
  e: unknown,
  call: { url: string; model: string; key: string | undefined },
): AssistantError {
  const { url, model, key } = call;
  const is = (name: 'APIConnectionTimeoutError' | 'APIConnectionError' | 'APIUserAbortError') =>
    e instanceof openai[name] || e instanceof anthropic[name];
  if (is('APIConnectionTimeoutError'))
    return new AssistantError(
      'ASSISTANT_MODEL_TIMEOUT',
      `${model}: no answer from ${url} in ${MODEL_TIMEOUT_MS / 1000} s`,
      { status: 504, hint: 'check that the endpoint is not overloaded, or ask for less at once', cause: e },
    );
  // A cancelled call (the page went away) reads as the endpoint's: nobody is left to read it.
  if (is('APIConnectionError') || is('APIUserAbortError'))
    return new AssistantError('ASSISTANT_MODEL_UNREACHABLE', `${model}: cannot reach ${url}`, {
      status: 502,
      hint: 'check the base URL and that the server is running',
      cause: e,
    });
  if ((e instanceof openai.APIError || e instanceof anthropic.APIError) && typeof e.status === 'number')
    // No cause: the SDK's error carries the provider's unredacted words.
    return new AssistantError(
      'ASSISTANT_MODEL_HTTP_ERROR',
      `${model}: HTTP ${e.status} from ${url}: ${redact(providerWords(e), key)}`,
      { status: 502, hint: httpHint(e.status), details: { status: e.status } },
    );
  // What is left failed on the answer: a body that claimed to be JSON and was not, above all.
  const why =
    e instanceof SyntaxError ? `not JSON (${e.message})` : e instanceof Error ? e.message : String(e);
  return badResponse(url, model, redact(why, key));
}

/** The SDK call of each wire format; the answer as the server sent it. */
function send(settings: ModelSettings, key: string | undefined, req: ModelRequest, signal?: AbortSignal) {
  // The endpoint and the credentials are all given, so the SDKs read none of the studio's
  // environment for them (OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, ANTHROPIC_BASE_URL,
  // ANTHROPIC_AUTH_TOKEN): a request goes where the member typed, with the key typed for it.
  // Plain fetch even for http: endpoints: the runtime's httpFetch saves CPU when hundreds of
  // calls are in flight, and the assistant makes one at a time.
  const common = {
    apiKey: key ?? LOCAL_NO_KEY,
    baseURL: baseUrlOf(settings),
    maxRetries: MAX_RETRIES,
    timeout: MODEL_TIMEOUT_MS,
  };
  const options = signal ? { signal } : undefined;
  if (settings.provider === 'openai')
    return new OpenAI({ ...common, organization: null, project: null }).chat.completions.create(
      openaiBody(settings, req),
      options,
    );
  return new Anthropic(common).messages.create(anthropicBody(settings, req), options);
}

/**
 * Calls the model once; the answer's text and tool calls, or an `AssistantError`.
 *
 * @example
 * const reply = await callModel({ provider: 'openai', model: 'gpt-4.1-mini', baseUrl: '' }, key, { system, messages, tools });
 */
export async function callModel(
  settings: ModelSettings,
  apiKey: string | undefined,
  req: ModelRequest,
  signal?: AbortSignal,
): Promise<ModelReply> {
  const url = endpointOf(settings);
  const key = keyFor(settings, apiKey, url);
  const model = `${settings.provider}:${settings.model}`;
  let body: unknown;
  try {
    body = await send(settings, key, req, signal);
  } catch (e) {
    throw callError(e, { url, model, key });
  }
  return replyOf(settings.provider, body, url, model);
}
