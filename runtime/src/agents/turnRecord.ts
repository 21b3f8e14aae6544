import { jsonPath, PalestraError } from '@palestra/envs';
import { z } from 'zod';

/**
 * The version of the turn record this Palestra writes and reads. Records from before the field
 * existed carry no `v` and are read as version 1 (their shape is version 1's). A change to the
 * fields below bumps it, keeps reading the older versions, and updates the Python side
 * (`runtime/trainer/palestra_trainer/turn_record.py`) and the golden fixture together.
 */
export const TURN_RECORD_VERSION = 1 as const;

const tokenIds = z.array(z.number().int().nonnegative()).nullable();

/**
 * The turn record (DESIGN.md): what a model saw and said, as a trainer needs it. Stored beside the
 * first step the turn caused. Token ids and log-probabilities are present when the endpoint returns
 * them (vLLM's OpenAI server and Palestra's trainer do), null otherwise. Strict: a field this
 * version does not know is an error, so a record from a newer writer or a hand edit cannot be read
 * as if its extra fields were not there.
 */
export const turnRecordSchema = z
  .object({
    /** The record's version; absent in records written before it existed (read as 1). */
    v: z.literal(TURN_RECORD_VERSION).default(TURN_RECORD_VERSION),
    /** The agent, e.g. `openai:gpt-4o-mini` or `anthropic:claude-sonnet-4-5`. */
    agent: z.string().min(1),
    /** The policy version that answered (`model@step` for a trained adapter), when known. */
    policy: z.string().nullable(),
    /** The request's messages, in the provider's own format (what the model saw). */
    messages: z.array(z.unknown()),
    /** What the model said: text and tool calls, as returned (arguments exactly as written, malformed JSON included). */
    completion: z
      .object({
        text: z.string().nullable(),
        toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() }).strict()),
      })
      .strict(),
    finishReason: z.string().nullable(),
    promptTokenIds: tokenIds,
    completionTokenIds: tokenIds,
    /** One log-probability per completion token (finite: zod's numbers refuse Infinity and NaN). */
    logprobs: z.array(z.number()).nullable(),
    usage: z
      .object({
        promptTokens: z.number().int().nonnegative(),
        completionTokens: z.number().int().nonnegative(),
      })
      .strict()
      .nullable(),
    latencyMs: z.number().nonnegative(),
  })
  .strict();

/** A turn record as read and written (`v` always present once parsed). */
export type TurnRecord = z.output<typeof turnRecordSchema>;

/** Where a record was read: its JSON path in the episode (`['steps', 3, 'turn']`) and the file, for errors. */
export interface TurnRecordSource {
  path: readonly PropertyKey[];
  file?: string;
}

/** One problem in a turn record, located by its full JSON path. */
export interface TurnRecordIssue {
  path: string;
  message: string;
}

function issuesOf(error: z.ZodError, base: readonly PropertyKey[]): TurnRecordIssue[] {
  return error.issues.flatMap((issue) =>
    // An unknown key is located at the key itself, not at the object that holds it.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: jsonPath([...base, ...issue.path, key]),
          message: `unknown field (this Palestra reads turn records of version ${TURN_RECORD_VERSION})`,
        }))
      : [{ path: jsonPath([...base, ...issue.path]), message: issue.message }],
  );
}

/**
 * Reads a turn record stored in an episode (a step's or failure line's `turn`), as the trainer's
 * contract says it is. Everything that reads records back from disk goes through here, never a cast.
 * A record without `v` (written before it existed) is version 1.
 *
 * @throws PalestraError `TURN_RECORD_INVALID` naming the JSON path of the first problem
 *   (`$.steps[3].turn.logprobs[2]`), with every problem in `details.issues`.
 * @example
 * const record = parseTurnRecord(step.turn, { path: ['steps', k, 'turn'], file });
 */
export function parseTurnRecord(value: unknown, where: TurnRecordSource): TurnRecord {
  const prefix = where.file ? `${where.file}: ` : '';
  const v = (value as { v?: unknown } | null)?.v;
  if (typeof v === 'number' && v > TURN_RECORD_VERSION) {
    const path = jsonPath([...where.path, 'v']);
    throw new PalestraError(
      'TURN_RECORD_INVALID',
      `${prefix}${path}: turn record version ${v} is newer than this Palestra reads (${TURN_RECORD_VERSION})`,
      {
        details: { path, v, ...(where.file ? { file: where.file } : {}) },
        hint: 'upgrade Palestra to read episodes recorded by a newer version',
      },
    );
  }
  const parsed = turnRecordSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error, where.path);
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new PalestraError('TURN_RECORD_INVALID', `${prefix}${first.path}: ${first.message}${more}`, {
    details: { path: first.path, issues, ...(where.file ? { file: where.file } : {}) },
    hint: 'the turn record is not one a Palestra agent writes (edited by hand, or written by another tool): re-run the episode with a model agent',
    cause: parsed.error,
  });
}
