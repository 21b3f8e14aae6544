/**
 * The assistant panel's calls to the studio: the session's model settings, one model call per
 * round of a turn, the environment's runs, and committing a proposed version. Every failure comes
 * back as an `AssistantErrorView` (code, message, hint) for the chat to show.
 */
import { AssistantCallError } from './assistantLoop.ts';
import type { AssistantErrorView, ChatMessage, ModelReply, ModelSettingsView } from './transcript.ts';

const base = (ref: string) => `/env/${encodeURIComponent(ref)}/assistant`;

/** The studio could not be reached at all. */
const unreachable = (e: unknown): AssistantErrorView => ({
  code: 'ASSISTANT_STUDIO_UNREACHABLE',
  message: `the studio did not answer: ${(e as Error)?.message ?? e}`,
  hint: 'check that the studio is running, then try again',
});

/**
 * The error a route answered with: the assistant's routes send `{ error: { code, message, hint } }`,
 * the versions route the problem itself (`{ code, message, hint }`); else one made from the status.
 */
async function errorOf(res: Response): Promise<AssistantErrorView> {
  const body = (await res.json().catch(() => undefined)) as
    | (Partial<AssistantErrorView> & { error?: AssistantErrorView })
    | undefined;
  if (body?.error) return body.error;
  if (typeof body?.code === 'string' && typeof body.message === 'string')
    return { code: body.code, message: body.message, ...(body.hint !== undefined && { hint: body.hint }) };
  return { code: `HTTP_${res.status}`, message: `the studio answered ${res.status} ${res.statusText}` };
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new AssistantCallError(unreachable(e));
  }
  if (!res.ok) throw new AssistantCallError(await errorOf(res));
  return (await res.json()) as T;
}

const postJson = (body: unknown, signal?: AbortSignal): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify(body),
  ...(signal && { signal }),
});

/** The studio's calls for environment `ref`. */
export function studioClient(ref: string) {
  return {
    /** The session's model settings (null: none chosen). */
    settings: () => call<{ settings: ModelSettingsView | null }>(base(ref)).then((r) => r.settings),
    /** Chooses the session's model; the key (when typed) goes in this body only. */
    configure: (settings: { provider: string; model: string; baseUrl: string; apiKey?: string }) =>
      call<{ settings: ModelSettingsView }>(base(ref), postJson({ intent: 'configure', ...settings })).then(
        (r) => r.settings,
      ),
    /** Forgets the session's model and key. */
    forget: () => call<unknown>(base(ref), postJson({ intent: 'forget' })),
    /** One model call. */
    complete: (messages: ChatMessage[], signal?: AbortSignal) =>
      call<{ reply: ModelReply }>(base(ref), postJson({ intent: 'chat', messages }, signal)).then(
        (r) => r.reply,
      ),
    runs: () => call<unknown>(`${base(ref)}/runs`),
    run: (id: string) => call<unknown>(`${base(ref)}/runs?run=${encodeURIComponent(id)}`),
    /**
     * Commits the document as a version with `message` (the versions route): its content root.
     */
    commit: async (message: string): Promise<{ root: string }> => {
      const form = new FormData();
      form.set('intent', 'commit');
      form.set('message', message);
      return call<{ root: string }>(`/env/${encodeURIComponent(ref)}/versions`, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: form,
      });
    },
  };
}

/** The client `studioClient` returns. */
export type StudioClient = ReturnType<typeof studioClient>;
