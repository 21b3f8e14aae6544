/**
 * Command flags through zod. Commander turns `argv` into an options object (and its per-flag
 * parsers refuse a malformed number at once, naming the flag); the command's zod schema then
 * checks the whole object (types, ranges, which flags go together) and gives the action a typed
 * value, so the action never casts. An error names the flag as the user typed it.
 */
import { PalestraError } from '@palestra/envs';
import type { z } from 'zod';

/** `pricePrompt` → `--price-prompt`. */
export function flagName(key: PropertyKey): string {
  return `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Parses commander's options with `schema`: the typed flags, or `BAD_FLAG` naming the flag and what
 * is wrong with it.
 *
 * @example
 * const flags = parseFlags(rolloutFlagsSchema, opts, 'rollout'); // { agent: 'random', episodes: 16, ... }
 */
export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown, command: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const flag = issue.path.length > 0 ? flagName(issue.path[0]!) : 'the flags';
  throw new PalestraError('BAD_FLAG', `${flag}: ${issue.message}`, {
    details: { command, flag, issues: parsed.error.issues.map((i) => i.message) },
    hint: `palestra ${command} --help lists every flag and its values`,
  });
}
