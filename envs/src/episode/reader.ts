import { readFileSync } from 'node:fs';
import { RecordError } from '../errors.ts';
import { canonicalJson, chainHash, sha256Hex } from './hash.ts';
import type { Episode, EpisodeFooter, EpisodeHeader, EpisodeStep } from './record.ts';
import { SCORE_RECORD_VERSION, type ScoreRecord, scoreRecordSchema } from './score.ts';

/**
 * Parses and verifies an episode file: every line's hash, the chain, the footer's sums, and the
 * score lines after the footer (schema, and their chain from the root: see `score.ts`).
 * A file that stops early (no footer, maybe half a last line) is *truncated*: it returns with
 * `complete: false` and every whole step it had. Anything else that does not add up is
 * *corrupt*: a `RecordError` with the line number.
 */
export function parseEpisode(text: string, name = 'episode'): Episode {
  const endsClean = text.endsWith('\n');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const corrupt = (line: number, why: string) =>
    new RecordError('RECORD_CORRUPT', `${name}:${line}: ${why}`, {
      details: { line },
      hint: 'the file was changed after it was written; re-run the episode',
    });
  if (lines.length === 0) throw new RecordError('RECORD_EMPTY', `${name} is empty`);
  const parsed: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      parsed.push(JSON.parse(lines[i]!));
    } catch {
      // Only the very last line may be cut short, and only if the file does not end with a newline.
      if (i === lines.length - 1 && !endsClean) break;
      throw corrupt(i + 1, 'not valid JSON');
    }
  }
  const header = parsed[0] as EpisodeHeader;
  if (header?.kind !== 'header') {
    if (parsed.length === 0) throw new RecordError('RECORD_TRUNCATED', `${name} stops inside its header`);
    throw corrupt(1, 'the first line is not a header');
  }
  const { hash, ...headerBody } = header;
  let last = sha256Hex(canonicalJson(headerBody));
  if (last !== hash) throw corrupt(1, 'header hash does not match its content');
  const steps: EpisodeStep[] = [];
  let footer: EpisodeFooter | undefined;
  const scores: ScoreRecord[] = [];
  let sum = 0;
  for (let i = 1; i < parsed.length; i++) {
    const entry = parsed[i] as EpisodeStep | EpisodeFooter | ScoreRecord;
    if (entry.kind === 'score') {
      if (!footer) throw corrupt(i + 1, 'a score line before the footer (only a finished episode is scored)');
      const v = (entry as { v?: unknown }).v;
      if (typeof v === 'number' && v > SCORE_RECORD_VERSION)
        throw new RecordError(
          'RECORD_VERSION',
          `${name}:${i + 1}: score line version ${v} is newer than this Palestra reads (${SCORE_RECORD_VERSION})`,
          { details: { line: i + 1, v }, hint: 'upgrade Palestra to read this episode' },
        );
      const valid = scoreRecordSchema.safeParse(entry);
      if (!valid.success)
        throw corrupt(
          i + 1,
          `invalid score line: ${valid.error.issues.map((x) => `$.${x.path.join('.')}: ${x.message}`).join('; ')}`,
        );
      const { hash: h, ...body } = valid.data;
      if (body.n !== scores.length + 1)
        throw corrupt(i + 1, `score ${body.n} where score ${scores.length + 1} was expected`);
      last = chainHash(last, body);
      if (last !== h)
        throw corrupt(i + 1, `score ${body.n}: hash does not match (the committed score changed)`);
      scores.push(valid.data);
      continue;
    }
    if (footer) throw corrupt(i + 1, 'a line after the footer that is not a score line');
    if (entry.kind === 'step') {
      const { hash: h, ...body } = entry;
      if (body.i !== steps.length + 1)
        throw corrupt(i + 1, `step ${body.i} where step ${steps.length + 1} was expected`);
      last = chainHash(last, body);
      if (last !== h)
        throw corrupt(i + 1, `step ${body.i}: hash does not match (content changed or a step is missing)`);
      if (!Number.isSafeInteger(body.reward))
        throw corrupt(i + 1, 'reward is not an integer number of micro-units');
      sum += body.reward;
      steps.push(entry);
    } else if (entry.kind === 'footer') {
      footer = entry;
      if (entry.root !== last) throw corrupt(i + 1, 'footer root is not the last step hash');
      if (entry.length !== steps.length)
        throw corrupt(i + 1, `footer says ${entry.length} steps, the file has ${steps.length}`);
      if (entry.return !== sum)
        throw corrupt(i + 1, `footer return ${entry.return} is not the sum of the rewards (${sum})`);
    } else throw corrupt(i + 1, `unknown line kind ${JSON.stringify((entry as { kind?: unknown }).kind)}`);
  }
  return { header, steps, footer, complete: footer !== undefined, scores };
}

/** Reads and verifies an episode file (see `parseEpisode`). */
export function readEpisode(path: string): Episode {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RecordError('RECORD_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`);
  }
  return parseEpisode(text, path);
}
