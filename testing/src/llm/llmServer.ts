import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NAIVE_JUDGE_MODEL, naiveJudge } from './naiveJudge.ts';
import { encode, tokenId, tokenize, tokenLogprob } from './tokenizer.ts';

/**
 * A local LLM server for tests: it speaks OpenAI Chat Completions (with vLLM's token ids and
 * log-probabilities) on `POST /v1/chat/completions` and Anthropic Messages on `POST /v1/messages`,
 * so agents are tested with the real SDKs over loopback. Replies come from a script; token ids and
 * logprobs come from a deterministic toy tokenizer applied to the rendered prompt and completion.
 * One model is built in: `naive-judge` (`naiveJudge.ts`), a judge that obeys any instruction in
 * its prompt, answered whatever the script says.
 *
 * @example
 * const llm = await startLlmServer({ script: [{ toolCalls: [{ name: 'echo', arguments: { word: 'apple' } }] }] });
 * const agent = openaiAgent({ model: 'toy', baseURL: llm.url });
 * …
 * await llm.close();
 */

/** One tool call of a scripted reply. A string `arguments` is sent as is (malformed JSON included). */
export interface ScriptedToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
}

/** Options any reply may carry. */
interface ReplyCommon {
  /** Wait this long before answering (a slow model). */
  delayMs?: number;
  /** The `model` field of the answer (default: the request's model). */
  model?: string;
  /** `false`: answer like a vLLM before 0.10.2, with logprobs but no `token_ids`/`prompt_token_ids`. */
  tokenIds?: boolean;
}

/** What the server answers to one request. */
export type ScriptedReply = ReplyCommon &
  (
    | { text: string; toolCalls?: ScriptedToolCall[]; finishReason?: string }
    | { toolCalls: ScriptedToolCall[]; text?: string; finishReason?: string }
    | {
        /** An HTTP error with the provider's error body. */
        error: {
          status: number;
          message?: string;
          /** Sent as `retry-after` (seconds, rounded up) and `retry-after-ms`; default 5 ms so retries stay fast. */
          retryAfterMs?: number;
        };
      }
    | {
        /** A 200 answer whose body is this string, as is (not JSON, or JSON of the wrong shape). */
        malformed: string;
      }
  );

/** A request the server received. */
export interface LlmRequest {
  /** 0-based, in arrival order. */
  index: number;
  api: 'openai' | 'anthropic';
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export type LlmScript = ScriptedReply[] | ((request: LlmRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface LlmServer {
  /** Base URL for the OpenAI SDK (`…/v1`). */
  url: string;
  /** Base URL for the Anthropic SDK (no `/v1`: the SDK adds it). */
  anthropicUrl: string;
  /** Every request, in arrival order (retries included). */
  requests: LlmRequest[];
  close(): Promise<void>;
}

/** A fixed creation time, so answers are identical between runs. */
const CREATED = 1_700_000_000;

/**
 * Starts the server on 127.0.0.1 (a free port). A script list is consumed one reply per request;
 * a function is called with each request. A request with no scripted reply gets a 400 saying so.
 */
export async function startLlmServer(options: { script: LlmScript }): Promise<LlmServer> {
  const requests: LlmRequest[] = [];
  const queue = Array.isArray(options.script) ? [...options.script] : undefined;
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `llmServer: ${(e as Error).message}` } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const api =
      path === '/v1/chat/completions' ? 'openai' : path === '/v1/messages' ? 'anthropic' : undefined;
    const raw = await readBody(req);
    if (req.method !== 'POST' || api === undefined) {
      sendJson(res, 404, { error: { message: `llmServer: no route ${req.method} ${path}` } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendJson(res, 400, errorBody(api, 400, 'the request body is not JSON'), { 'x-should-retry': 'false' });
      return;
    }
    const request: LlmRequest = { index: requests.length, api, path, headers: req.headers, body };
    requests.push(request);
    // The naive judge is a model of the server, not of a script: it answers whatever the script says.
    const reply =
      body.model === NAIVE_JUDGE_MODEL
        ? naiveJudge(request)
        : queue
          ? queue.shift()
          : await (options.script as Exclude<LlmScript, unknown[]>)(request);
    if (!reply) {
      sendJson(
        res,
        400,
        errorBody(api, 400, `llmServer: the script has no reply for request #${request.index}`),
        {
          'x-should-retry': 'false',
        },
      );
      return;
    }
    if (reply.delayMs) {
      const delay = reply.delayMs;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, delay);
        timers.add(t);
        res.on('close', () => {
          clearTimeout(t);
          timers.delete(t);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
    }
    if ('error' in reply) {
      const { status, message, retryAfterMs = 5 } = reply.error;
      sendJson(res, status, errorBody(api, status, message ?? `scripted HTTP ${status}`), {
        'retry-after': String(Math.ceil(retryAfterMs / 1000)),
        'retry-after-ms': String(retryAfterMs),
      });
      return;
    }
    if ('malformed' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply.malformed);
      return;
    }
    sendJson(res, 200, api === 'openai' ? openaiAnswer(request, reply) : anthropicAnswer(request, reply));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    anthropicUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type TextReply = Extract<ScriptedReply, { toolCalls?: ScriptedToolCall[] }>;

/** How the toy chat template writes a tool call into the completion (Hermes-style, as vLLM sees it). */
function toolCallText(call: ScriptedToolCall): string {
  const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
  return `<tool_call>\n{"name": ${JSON.stringify(call.name)}, "arguments": ${args}}\n</tool_call>`;
}

/** The completion's text as the tokenizer sees it: the reply's text, then its tool calls. */
function completionText(reply: TextReply): string {
  return [reply.text ?? '', ...(reply.toolCalls ?? []).map(toolCallText)].filter((s) => s !== '').join('\n');
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => {
        const p = part as Record<string, unknown>;
        if (typeof p.text === 'string') return p.text;
        if (p.type === 'tool_use')
          return toolCallText({ name: String(p.name), arguments: JSON.stringify(p.input) });
        if (p.type === 'tool_result')
          return `<tool_result id=${String(p.tool_use_id)}>\n${contentText(p.content)}`;
        return JSON.stringify(p);
      })
      .join('\n');
  return content == null ? '' : JSON.stringify(content);
}

/**
 * The toy chat template: the prompt the model would read, rendered as text, so prompt token ids
 * change with everything the request carries (tools, every message, tool calls and results).
 */
export function renderPrompt(api: 'openai' | 'anthropic', body: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(body.tools) && body.tools.length > 0)
    parts.push(`<|tools|>\n${JSON.stringify(body.tools)}`);
  if (api === 'anthropic' && body.system !== undefined) parts.push(`<|system|>\n${contentText(body.system)}`);
  for (const m of (body.messages as Record<string, unknown>[] | undefined) ?? []) {
    const calls = Array.isArray(m.tool_calls)
      ? (m.tool_calls as { function: { name: string; arguments: string } }[]).map((c) =>
          toolCallText({ name: c.function.name, arguments: c.function.arguments }),
        )
      : [];
    const head = m.role === 'tool' ? `<|tool|> ${String(m.tool_call_id)}` : `<|${String(m.role)}|>`;
    parts.push([head, contentText(m.content), ...calls].filter((s) => s !== '').join('\n'));
  }
  parts.push('<|assistant|>\n');
  return parts.join('\n');
}

function openaiAnswer(request: LlmRequest, reply: TextReply): Record<string, unknown> {
  const { body } = request;
  const prompt = encode(renderPrompt('openai', body));
  const pieces = tokenize(completionText(reply));
  const ids = pieces.map(tokenId);
  const calls = reply.toolCalls ?? [];
  const wantLogprobs = body.logprobs === true;
  const asIds = body.return_tokens_as_token_ids === true;
  const top = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
  const withIds = reply.tokenIds !== false && (body.return_token_ids === true || wantLogprobs);
  const logprobs = wantLogprobs
    ? {
        content: pieces.map((piece, i) => {
          const id = ids[i]!;
          const token = asIds ? `token_id:${id}` : piece;
          const logprob = tokenLogprob(id);
          // Alternatives: the chosen token first, then neighbours in the vocabulary, less likely.
          const alternatives = Array.from({ length: top }, (_, k) => {
            const altId = k === 0 ? id : (id + k * 7919) % 32_000;
            return {
              token: asIds ? `token_id:${altId}` : k === 0 ? piece : `<alt${altId}>`,
              logprob: k === 0 ? logprob : Math.round((logprob - k) * 1e6) / 1e6,
              bytes: [...new TextEncoder().encode(k === 0 ? piece : `<alt${altId}>`)],
            };
          });
          return { token, logprob, bytes: [...new TextEncoder().encode(piece)], top_logprobs: alternatives };
        }),
      }
    : null;
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: reply.text ?? null,
    refusal: null,
  };
  if (calls.length > 0)
    message.tool_calls = calls.map((c, i) => ({
      id: `call_${request.index}_${i}`,
      type: 'function',
      function: {
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
  return {
    id: `chatcmpl-${request.index}`,
    object: 'chat.completion',
    created: CREATED,
    model: reply.model ?? body.model,
    choices: [
      {
        index: 0,
        message,
        logprobs,
        finish_reason: reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop'),
        ...(withIds ? { token_ids: ids } : {}),
      },
    ],
    usage: {
      prompt_tokens: prompt.length,
      completion_tokens: ids.length,
      total_tokens: prompt.length + ids.length,
    },
    ...(withIds ? { prompt_token_ids: prompt } : {}),
  };
}

function anthropicAnswer(request: LlmRequest, reply: TextReply): Record<string, unknown> {
  const { body } = request;
  const prompt = encode(renderPrompt('anthropic', body));
  const completion = encode(completionText(reply));
  const calls = reply.toolCalls ?? [];
  const content: Record<string, unknown>[] = [];
  if (reply.text) content.push({ type: 'text', text: reply.text });
  calls.forEach((c, i) => {
    let input: unknown = c.arguments;
    if (typeof input === 'string') {
      try {
        input = JSON.parse(input);
      } catch {
        // A hostile server: the raw string stands where the input object should be.
      }
    }
    content.push({ type: 'tool_use', id: `toolu_${request.index}_${i}`, name: c.name, input });
  });
  return {
    id: `msg_${request.index}`,
    type: 'message',
    role: 'assistant',
    model: reply.model ?? body.model,
    content,
    stop_reason: reply.finishReason ?? (calls.length > 0 ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: { input_tokens: prompt.length, output_tokens: completion.length },
  };
}

function errorBody(api: 'openai' | 'anthropic', status: number, message: string): Record<string, unknown> {
  if (api === 'openai')
    return {
      error: {
        message,
        type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
        code: null,
        param: null,
      },
    };
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status >= 500
          ? 'api_error'
          : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
