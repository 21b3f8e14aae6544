/**
 * Each member session's choice of model for the design assistant, and the API key typed for it,
 * kept in this process's memory only: never the database, a log, a file or a response (the page
 * learns only whether a key is set). A session is known by the SHA-256 of its signed cookie, so
 * the map holds no cookie either. Entries idle for `IDLE_MS` are forgotten, and all of them end
 * with the process.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ModelSettingsView } from '../../app/assistant/transcript.ts';

/** A session's model, as the panel's form gives it. */
export const modelSettingsSchema = z
  .object({
    provider: z.enum(['openai', 'anthropic']),
    model: z.string().trim().min(1, 'name a model, e.g. gpt-4.1-mini or claude-sonnet-4-5').max(200),
    baseUrl: z
      .string()
      .trim()
      .max(2000)
      .refine(
        (u) => u === '' || /^https?:\/\/[^\s]+$/.test(u),
        'an http(s) URL, e.g. http://127.0.0.1:8000/v1',
      ),
  })
  .strict();

export type ModelSettings = z.output<typeof modelSettingsSchema>;

/** Settings unused this long are forgotten, key and all. */
export const IDLE_MS = 8 * 3600 * 1000;

interface Entry {
  settings: ModelSettings;
  /** Deliberately never logged or serialised: `view()` leaves it out. */
  apiKey: string | undefined;
  usedAt: number;
}

/** The sessions' model settings (one per studio process). */
export class AssistantSessions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The map key of a session: the hash of its signed cookie. */
  static sessionKey(cookie: string): string {
    return createHash('sha256').update(cookie).digest('hex');
  }

  /**
   * Sets a session's model; `apiKey` undefined keeps the key typed before, but only for the same
   * provider and endpoint: a key is never sent anywhere but where it was typed for.
   */
  set(session: string, settings: ModelSettings, apiKey: string | undefined): void {
    const before = this.entries.get(session)?.settings;
    const same = before?.provider === settings.provider && before.baseUrl === settings.baseUrl;
    const kept = same ? this.entries.get(session)?.apiKey : undefined;
    this.entries.set(session, { settings, apiKey: apiKey || kept, usedAt: this.now() });
  }

  /** A session's settings and key, or undefined (never set, forgotten, or idle too long). */
  get(session: string): { settings: ModelSettings; apiKey: string | undefined } | undefined {
    this.prune();
    const entry = this.entries.get(session);
    if (!entry) return undefined;
    entry.usedAt = this.now();
    return { settings: entry.settings, apiKey: entry.apiKey };
  }

  /** What the page may know: the settings and whether a key is set. */
  view(session: string): ModelSettingsView | null {
    const entry = this.get(session);
    return entry ? { ...entry.settings, hasKey: entry.apiKey !== undefined } : null;
  }

  forget(session: string): void {
    this.entries.delete(session);
  }

  private prune(): void {
    const cutoff = this.now() - IDLE_MS;
    for (const [k, e] of this.entries) if (e.usedAt < cutoff) this.entries.delete(k);
  }
}

/** The studio's sessions (module state: one per process, shared by the route's requests). */
export const assistantSessions = new AssistantSessions();
