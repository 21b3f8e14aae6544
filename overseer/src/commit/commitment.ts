import { canonicalJson, type Episode, type ScoreCommitment, type ScoreRecord, scoreBy } from '@palestra/envs';
import { fromMicros, microsOf } from '@palestra/envs/core';
import { GROUP_JUDGE_SUFFIX, MICRO, type Overseer, type Score } from '../types.ts';

/**
 * What an episode commits to about a score (the body of a score line, see `@palestra/envs`'s
 * `score.ts`): micro-units only, every LLM verdict by its cache entry hash, the rules' part apart,
 * and the overseer config's content hash (`overseerConfigHash`). Floats do not enter a commitment:
 * confidence is rounded to micro-units, and ensemble weights are fixed by the config hash.
 *
 * @example
 * appendScore(file, scoreCommitment(await overseer.scoreEpisode(ep), overseerConfigHash(config)));
 */
export function scoreCommitment(score: Score, overseerHash: string): ScoreCommitment {
  return {
    overseer: overseerHash,
    judge: score.judge,
    reward: score.micros,
    components: score.components.map((c) => ({ name: c.name, micros: c.micros })),
    rules: score.rules ? { micros: score.rules.micros, veto: score.rules.veto } : null,
    verdicts: (score.verdicts ?? []).map((v) => ({ judge: v.judge, key: v.key, entry: v.entry })),
    veto: score.veto === true,
    // Only when set: a record of an intact episode stays byte-identical to one written before it.
    ...(score.fault ? { fault: score.fault } : {}),
    confidence: Math.min(MICRO, Math.max(0, microsOf(score.confidence))),
    rationale: score.rationale,
  };
}

/** The outcome of re-deriving one committed score. */
export interface ScoreVerification {
  ok: boolean;
  /** The record checked (this overseer's last), if the episode has one. */
  record?: ScoreRecord;
  /** The first field that differs, committed value against re-derived one. */
  mismatch?: { field: string; committed: unknown; derived: unknown };
  message: string;
}

/** Fields in the order a person wants them explained: the judges' verdicts first, prose last. */
const FIELDS = [
  'verdicts',
  'rules',
  'veto',
  'fault',
  'reward',
  'components',
  'judge',
  'confidence',
  'rationale',
] as const;

/**
 * Whether a committed score came from group-relative judging (`scoreGroup`): one of its verdicts
 * was given for a whole group, so re-deriving it needs the same group of episodes.
 */
export function judgedAsGroup(record: Pick<ScoreCommitment, 'verdicts'>): boolean {
  return record.verdicts.some((v) => v.judge.endsWith(GROUP_JUDGE_SUFFIX));
}

const short = (hashes: string[]) => hashes.map((h) => `${h.slice(0, 12)}…`).join(', ');

/**
 * Re-derives an episode's committed score and checks it field by field: the rules by replay, each
 * LLM verdict from the verdict cache (pass an overseer built with `cacheOnly: true`, so a missing
 * verdict is a `VERDICT_NOT_CACHED` error instead of a paid call), then the combination. A verdict
 * whose cache entry hashes differently from the committed one (a changed cache, or a forged
 * record) fails here; a changed record whose chain no longer adds up already failed in the reader.
 *
 * @example
 * const overseer = await buildOverseer(config, source, { cacheOnly: true });
 * const v = await verifyScore(readEpisode(file), overseer, overseerConfigHash(config));
 */
export async function verifyScore(
  episode: Episode,
  overseer: Overseer,
  overseerHash: string,
  /** The score as re-derived elsewhere (by `scoreGroup` with the episode's group); default `scoreEpisode`. */
  rederived?: Score,
): Promise<ScoreVerification> {
  const record = scoreBy(episode, overseerHash);
  if (!record) {
    const others = [...new Set((episode.scores ?? []).map((s) => s.overseer))];
    return {
      ok: false,
      message:
        others.length === 0
          ? 'the episode carries no committed score'
          : `no score from overseer ${overseerHash.slice(0, 12)}…; it was scored by ${short(others)} (pass that config)`,
    };
  }
  const derived = scoreCommitment(rederived ?? (await overseer.scoreEpisode(episode)), overseerHash);
  for (const field of FIELDS) {
    // `fault` is absent from records of intact episodes: absent and null compare equal.
    const committed = record[field] ?? null;
    const now = derived[field] ?? null;
    if (canonicalJson(committed) !== canonicalJson(now)) {
      const why =
        field === 'verdicts'
          ? 'an LLM verdict differs from the cached one (the cache entry or the record was changed)'
          : `the committed ${field} is not what the overseer derives`;
      return {
        ok: false,
        record,
        mismatch: { field, committed, derived: now },
        message: `score ${record.n}: ${why}`,
      };
    }
  }
  return {
    ok: true,
    record,
    message: `score ${record.n} re-derived: ${fromMicros(record.reward)} (${record.verdicts.length} verdict${record.verdicts.length === 1 ? '' : 's'} from the cache)`,
  };
}
