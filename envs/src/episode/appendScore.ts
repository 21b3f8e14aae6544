import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { RecordError } from '../errors.ts';
import { fromMicros } from '../kernel/micros.ts';
import { canonicalJson } from './hash.ts';
import { parseEpisode } from './parseEpisode.ts';
import {
  parseCommitment,
  type ScoreCommitment,
  type ScoreRecord,
  scoreBy,
  scoredRoot,
  scoreLine,
} from './score.ts';

const sameCommitment = (r: ScoreRecord, c: ScoreCommitment): boolean => {
  const { kind: _k, v: _v, n: _n, hash: _h, ...committed } = r;
  return canonicalJson(committed) === canonicalJson(c);
};

export interface AppendScoreResult {
  /** False when this overseer had already committed exactly this score (nothing written). */
  appended: boolean;
  record: ScoreRecord;
  /** The scored root after the call. */
  scoredRoot: string;
}

/**
 * Appends a score line to a complete episode file (the conflict rule is in `score.ts`). The file is read
 * and verified first, then rewritten whole through a temporary file and a rename, so a crash leaves
 * either the old file or the new one, never a torn line.
 *
 * @example
 * appendScore('run/episode-000000.jsonl', { overseer, judge: 'rules', reward: 1_000_000, … });
 */
export function appendScore(
  path: string,
  commitment: ScoreCommitment,
  options: { force?: boolean } = {},
): AppendScoreResult {
  const valid = parseCommitment(commitment);
  const text = readFileSync(path, 'utf8');
  const episode = parseEpisode(text, path);
  if (!episode.complete || !episode.footer)
    throw new RecordError(
      'EPISODE_INCOMPLETE',
      `${path} has no footer: an unfinished episode cannot be scored`,
      {
        details: { file: path },
        hint: 'finish (or re-run) the episode first; only complete episodes carry a score',
      },
    );
  const previous = scoreBy(episode, valid.overseer);
  if (previous && sameCommitment(previous, valid))
    return { appended: false, record: previous, scoredRoot: scoredRoot(episode)! };
  if (previous && !options.force)
    throw new RecordError(
      'SCORE_CONFLICT',
      `${path} already commits a different score from this overseer (score ${previous.n}: ${fromMicros(previous.reward)}, now ${fromMicros(valid.reward)})`,
      {
        details: { file: path, n: previous.n, committed: previous.reward, now: valid.reward },
        hint: 'a committed score is never overwritten; pass --force to append a new record after it (the old one stays in the chain), or verify with palestra score --verify',
      },
    );
  const scores = episode.scores ?? [];
  const record = scoreLine(scoredRoot(episode)!, scores.length + 1, valid);
  // A torn last line (a partial score line from an interrupted writer) is dropped: the reader ignored it too.
  const kept = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const tmp = `${path}.${process.pid}.score.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${kept}${JSON.stringify(record)}\n`);
    // On disk before the rename, so a power cut cannot swap the episode for an empty file.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { appended: true, record, scoredRoot: record.hash };
}
