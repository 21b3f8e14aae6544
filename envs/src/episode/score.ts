import { z } from 'zod';
import { RecordError } from '../errors.ts';
import { chainHash } from './hash.ts';
import type { Episode } from './record.ts';

/**
 * The score record: how an episode commits to what the overseer said about it.
 *
 * Shape. A `score` line appended *after* the footer, chained like a step:
 * `hash = H(previous ‖ canonical(line without hash))`, where `previous` is the footer's root for the
 * first score line and the previous score line's hash after that. The last hash is the episode's
 * **scored root**; with no score line it is the root. Why after the footer, not in it: the root a
 * replay re-derives (and a settlement leaf or a Merkle tree already holds) must not move when an
 * episode is scored later, by someone else, or twice; a score is a claim *about* the episode, so it
 * extends the chain instead of changing it, and every older reader's idea of the root stays true.
 *
 * Content. Everything in micro-units (signed integers, DESIGN.md's encodings): the reward, its
 * components, the rules' part on its own (`rules`: what anyone can recompute by replay, for free),
 * and for every LLM verdict that went into the reward its cache key and the **hash of the cache
 * entry** (`verdicts`): the judge's answer is committed, not proven, and a verifier who holds the
 * cache re-derives the score without paying for a call. `overseer` is the content hash of the
 * overseer configuration (the fields that decide a score, not where the cache lives).
 *
 * Conflicts (deterministic, append-only, enforced by `appendScore`): scoring again with an
 * overseer that already has a record is a no-op when the result is the same; a different result
 * is refused (`SCORE_CONFLICT`) unless forced, and then a new record is appended after the old one:
 * history is never rewritten, because someone may already hold the old scored root. Another overseer simply appends its own record. The
 * episode's current score for an overseer is its last record with that overseer hash.
 */
export const SCORE_RECORD_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');
const micros = z.number().int().refine(Number.isSafeInteger, 'a safe integer of micro-units');

export const scoreRecordBodySchema = z
  .object({
    kind: z.literal('score'),
    v: z.literal(SCORE_RECORD_VERSION),
    /** 1-based position among this episode's score lines. */
    n: z.number().int().min(1),
    /** Content hash of the overseer configuration that scored. */
    overseer: hex64,
    /** Who scored (`rules`, `ensemble`, `judge:<provider>:<model>`, …). */
    judge: z.string().min(1),
    /** The overseer's reward, in micro-units. */
    reward: micros,
    components: z.array(z.object({ name: z.string(), micros }).strict()),
    /** The environment rules' part (recomputable by replay), or null when no rules member scored. */
    rules: z.object({ micros, veto: z.boolean() }).strict().nullable(),
    /** One entry per LLM verdict the reward used: cache key and the hash of the cache entry. */
    verdicts: z.array(z.object({ judge: z.string().min(1), key: hex64, entry: hex64 }).strict()),
    veto: z.boolean(),
    /**
     * Set when the episode is broken, by whom (`kernel/fault.ts`): `agent` (scored below every
     * honest failure, kept in training batches) or `environment` (left out of training batches).
     * Optional and absent otherwise, so records written before it keep their hashes.
     */
    fault: z.enum(['agent', 'environment']).optional(),
    /** 0…10⁶ (micro-units of the overseer's confidence). */
    confidence: micros.refine((c) => c >= 0 && c <= 1_000_000, 'between 0 and 10⁶'),
    rationale: z.string(),
  })
  .strict();

export const scoreRecordSchema = scoreRecordBodySchema.extend({ hash: hex64 }).strict();

export type ScoreRecordBody = z.output<typeof scoreRecordBodySchema>;
export type ScoreRecord = z.output<typeof scoreRecordSchema>;
/** What a scorer supplies; `kind`, `v`, `n` and `hash` are the record's own. */
export type ScoreCommitment = Omit<ScoreRecordBody, 'kind' | 'v' | 'n'>;

const commitmentSchema = scoreRecordBodySchema.omit({ kind: true, v: true, n: true });

/** Validates what a scorer wants to commit: a `RecordError` (`SCORE_INVALID`) naming the field. */
export function parseCommitment(commitment: unknown): ScoreCommitment {
  const r = commitmentSchema.safeParse(commitment);
  if (r.success) return r.data;
  throw new RecordError(
    'SCORE_INVALID',
    `invalid score record: ${r.error.issues.map((x) => `$.${x.path.join('.')}: ${x.message}`).join('; ')}`,
    { hint: 'rewards, components and confidence are integers of micro-units; hashes are SHA-256 hex' },
  );
}

/** Builds the chained score line that follows `previous` (the footer root or the last score hash). */
export function scoreLine(previous: string, n: number, commitment: ScoreCommitment): ScoreRecord {
  const body: ScoreRecordBody = { kind: 'score', v: SCORE_RECORD_VERSION, n, ...parseCommitment(commitment) };
  return { ...body, hash: chainHash(previous, body) };
}

/** The hash the episode commits to once scored: the last score line's, else the episode root. */
export function scoredRoot(episode: Episode): string | undefined {
  const scores = episode.scores ?? [];
  return scores.length > 0 ? scores[scores.length - 1]!.hash : episode.footer?.root;
}

/** The current record of one overseer (its last), if it scored this episode. */
export function scoreBy(episode: Episode, overseer: string): ScoreRecord | undefined {
  return (episode.scores ?? []).filter((s) => s.overseer === overseer).at(-1);
}
