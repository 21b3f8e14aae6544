/**
 * The design assistant's route on the studio's side (`/env/:name/assistant`): a member chooses a
 * model for their session (the key stays in this process's memory, `modelSettings.ts`), and each
 * model call of a turn is proxied here. The route module only gathers who is asking; everything
 * else is here, so tests call it with a `Request`.
 */
import { PalestraError } from '@palestra/errors';
import { z } from 'zod';
import { ASSISTANT_TOOLS } from '../../app/assistant/tools.ts';
import type { AssistantErrorView, ChatMessage } from '../../app/assistant/transcript.ts';
import type { CurrentMember } from '../auth/currentMember.ts';
import { AssistantError } from './errors.ts';
import { callModel } from './modelCall.ts';
import { type AssistantSessions, assistantSessions, modelSettingsSchema } from './modelSettings.ts';
import { systemPrompt } from './systemPrompt.ts';

/** Who asks, and about which environment, as the route found out. */
export interface AssistantCaller {
  /** The session's key (`AssistantSessions.sessionKey` of its cookie); undefined without a session. */
  session: string | undefined;
  member: CurrentMember | undefined;
  /** The environment of the URL; undefined when unknown. */
  env: { name: string; kind: 'catalog' | 'studio' } | undefined;
}

/** The largest request body: a long conversation with its tool results. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const text = z.string().max(200_000);
const toolCall = z
  .object({ id: z.string().min(1).max(200), name: z.string().max(200), arguments: text })
  .strict();
const chatMessage: z.ZodType<ChatMessage> = z.union([
  z.object({ role: z.literal('user'), text }).strict(),
  z
    .object({ role: z.literal('assistant'), text: text.nullable(), toolCalls: z.array(toolCall).max(64) })
    .strict(),
  z
    .object({
      role: z.literal('tool'),
      results: z
        .array(
          z
            .object({
              id: z.string().min(1).max(200),
              name: z.string().max(200),
              content: text,
              isError: z.boolean(),
            })
            .strict(),
        )
        .max(64),
    })
    .strict(),
]);

const bodySchema = z.discriminatedUnion('intent', [
  modelSettingsSchema
    .extend({ intent: z.literal('configure'), apiKey: z.string().max(1000).optional() })
    .strict(),
  z.object({ intent: z.literal('forget') }).strict(),
  z.object({ intent: z.literal('chat'), messages: z.array(chatMessage).min(1).max(2000) }).strict(),
]);

const json = (body: unknown, status = 200) =>
  Response.json(body, { status, headers: { 'cache-control': 'no-store' } });

/** An error as the panel shows it, with its status. */
export function errorResponse(e: unknown): Response {
  if (e instanceof AssistantError) return json({ error: viewOf(e) }, e.status);
  const view: AssistantErrorView =
    e instanceof PalestraError
      ? viewOf(e)
      : { code: 'STUDIO_BAD_REQUEST', message: (e as Error)?.message ?? String(e) };
  return json({ error: view }, 500);
}

const viewOf = (e: PalestraError): AssistantErrorView => ({
  code: e.code,
  message: e.message,
  ...(e.hint !== undefined && { hint: e.hint }),
});

/** Refuses anyone but an editor or the owner of a studio environment, in a session. */
function allowed(caller: AssistantCaller, write: boolean): string {
  if (!caller.env) throw new AssistantError('ASSISTANT_NOT_FOUND', 'no such environment', { status: 404 });
  if (caller.env.kind !== 'studio')
    throw new AssistantError('ASSISTANT_FORBIDDEN', 'the assistant edits studio environments only', {
      status: 403,
      hint: 'import or fork this catalog environment first',
    });
  if (!caller.member || caller.session === undefined)
    throw new AssistantError('ASSISTANT_FORBIDDEN', 'sign in to use the assistant', {
      status: 401,
      hint: 'open the studio from its machine, or with an invite link',
    });
  if (write && caller.member.role === 'viewer')
    throw new AssistantError('ASSISTANT_FORBIDDEN', 'viewers cannot use the assistant', {
      status: 403,
      hint: 'ask the owner for an editor invite',
    });
  return caller.session;
}

/**
 * `GET`: the session's model settings (never the key).
 *
 * @example
 * await assistantLoader(caller) // Response { settings: { provider: 'openai', model: 'toy', baseUrl: '…', hasKey: true } }
 */
export function assistantLoader(
  caller: AssistantCaller,
  sessions: AssistantSessions = assistantSessions,
): Response {
  try {
    const session = allowed(caller, false);
    return json({ settings: sessions.view(session) });
  } catch (e) {
    return errorResponse(e);
  }
}

/**
 * `POST` with a JSON body: `{ intent: 'configure', provider, model, baseUrl, apiKey? }` sets the
 * session's model; `{ intent: 'forget' }` drops it and its key; `{ intent: 'chat', messages }`
 * calls the model once with the assistant's tools and answers `{ reply: { text, toolCalls } }`.
 * Errors answer `{ error: { code, message, hint } }`.
 */
export async function assistantAction(
  request: Request,
  caller: AssistantCaller,
  sessions: AssistantSessions = assistantSessions,
): Promise<Response> {
  try {
    const session = allowed(caller, true);
    // JSON only, and from the studio's own pages: a cross-site form cannot send this content type
    // without the browser asking first, so another site cannot point a member's key elsewhere.
    const origin = request.headers.get('origin');
    if (
      !/^application\/json\b/.test(request.headers.get('content-type') ?? '') ||
      (origin && origin !== new URL(request.url).origin)
    )
      throw new AssistantError(
        'ASSISTANT_FORBIDDEN',
        "the assistant takes JSON from the studio's own pages",
        {
          status: 403,
        },
      );
    // The declared length first, so an oversized body is refused before it is read.
    const declared = Number(request.headers.get('content-length') ?? 0);
    const raw = declared > MAX_BODY_BYTES ? '' : await request.text();
    if (declared > MAX_BODY_BYTES || Buffer.byteLength(raw) > MAX_BODY_BYTES)
      return json(
        {
          error: {
            code: 'STUDIO_BAD_REQUEST',
            message: 'the request is over 4 MB',
            hint: 'start a new chat',
          },
        },
        413,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return badRequest('the body is not JSON');
    }
    const body = bodySchema.safeParse(parsed);
    if (!body.success)
      return badRequest(
        body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      );
    const b = body.data;
    if (b.intent === 'configure') {
      const { intent: _intent, apiKey, ...settings } = b;
      sessions.set(session, settings, apiKey?.trim() || undefined);
      return json({ settings: sessions.view(session) });
    }
    if (b.intent === 'forget') {
      sessions.forget(session);
      return json({ settings: null });
    }
    const chosen = sessions.get(session);
    if (!chosen)
      throw new AssistantError(
        'ASSISTANT_NOT_CONFIGURED',
        'no model chosen for the assistant in this session',
        {
          status: 409,
          hint: "choose a provider and a model in the assistant's settings",
        },
      );
    const reply = await callModel(
      chosen.settings,
      chosen.apiKey,
      { system: systemPrompt(caller.env!.name), messages: b.messages, tools: ASSISTANT_TOOLS },
      request.signal,
    );
    return json({ reply });
  } catch (e) {
    return errorResponse(e);
  }
}

function badRequest(message: string): Response {
  return json({ error: { code: 'STUDIO_BAD_REQUEST', message, hint: 'reload the page and try again' } }, 400);
}
