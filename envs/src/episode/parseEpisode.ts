import { z } from 'zod';
import { RecordError } from '../errors.ts';
import { faultOf } from '../kernel/fault.ts';
import { checkJsonText, InputLimitError, RECORD_LINE_LIMITS } from '../spec/limits.ts';
import { canonicalJson, chainHash, sha256Hex } from './hash.ts';
import type { Episode, EpisodeFailure, EpisodeFooter, EpisodeHeader, EpisodeStep } from './record.ts';
import { SCORE_RECORD_VERSION, type ScoreRecord, scoreRecordSchema } from './score.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');
const fault = z.enum(['agent', 'environment']);
const errorSchema = z.object({ code: z.string().min(1), message: z.string(), fault }).strict();

/** A failure line (see `EpisodeFailure`). The action is whatever the agent sent: any JSON. */
const failureLineSchema = z
  .object({
    kind: z.literal('failure'),
    i: z.number().int().min(1),
    action: z.unknown().refine((a) => a !== undefined, 'the failing action is missing'),
    error: errorSchema,
    turn: z.unknown().optional(),
    hash: hex64,
  })
  .strict();

/** The footer's known fields (not strict: a footer is not hashed, and may grow optional fields). */
const footerSchema = z
  .object({
    kind: z.literal('footer'),
    return: z.number().int().refine(Number.isSafeInteger, 'a safe integer of micro-units'),
    length: z.number().int().min(0),
    terminated: z.boolean(),
    truncated: z.boolean(),
    root: hex64,
    // Records from before failure lines carry no fault: the reader derives it from the code.
    error: errorSchema.extend({ fault: fault.optional() }).optional(),
  })
  .passthrough();

const issuesOf = (e: z.ZodError) => e.issues.map((x) => `$.${x.path.join('.')}: ${x.message}`).join('; ');

/**
 * Parses and verifies an episode file: every line's hash, the chain, the footer's sums, the
 * failure line of a failed episode (schema, chain, its fault is its code's, the footer keeps its
 * error), and the score lines after the footer (schema, and their chain from the root: see
 * `score.ts`). Every line is checked against `RECORD_LINE_LIMITS` before it is parsed.
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
    // Before anything parses or recurses over the line (JSON.parse is iterative, but hashing,
    // zod and every consumer of the episode recurse): a forged 100,000-deep line is a corrupt
    // record here, with its line number, never a stack overflow later.
    try {
      checkJsonText(lines[i]!, RECORD_LINE_LIMITS, 'the line');
    } catch (e) {
      if (!(e instanceof InputLimitError)) throw e;
      throw new RecordError('RECORD_CORRUPT', `${name}:${i + 1}: ${e.message}`, {
        details: { line: i + 1, input: e.code, limit: e.details.limit },
        hint: 'no line Palestra writes is this deep or this large: the file was forged or damaged; re-run the episode',
        cause: e,
      });
    }
    let value: unknown;
    try {
      value = JSON.parse(lines[i]!);
    } catch {
      // Only the very last line may be cut short, and only if the file does not end with a newline.
      if (i === lines.length - 1 && !endsClean) break;
      throw corrupt(i + 1, 'not valid JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (i === lines.length - 1 && !endsClean) break;
      throw corrupt(i + 1, 'a line is a JSON object');
    }
    parsed.push(value);
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
  let failure: EpisodeFailure | undefined;
  const scores: ScoreRecord[] = [];
  let sum = 0;
  for (let i = 1; i < parsed.length; i++) {
    const entry = parsed[i] as EpisodeStep | EpisodeFooter | EpisodeFailure | ScoreRecord;
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
    if (failure && entry.kind !== 'footer')
      throw corrupt(i + 1, 'a line after the failure line that is not the footer');
    if (entry.kind === 'failure') {
      const valid = failureLineSchema.safeParse(entry);
      if (!valid.success) throw corrupt(i + 1, `invalid failure line: ${issuesOf(valid.error)}`);
      const { hash: h, ...body } = entry;
      if (body.i !== steps.length + 1)
        throw corrupt(i + 1, `the failure of step ${body.i} where step ${steps.length + 1} was expected`);
      last = chainHash(last, body);
      if (last !== h) throw corrupt(i + 1, `failure of step ${body.i}: hash does not match its content`);
      // The fault decides how the episode is paid; it is the code's, never the writer's choice.
      if (body.error.fault !== faultOf(body.error.code))
        throw corrupt(
          i + 1,
          `failure of step ${body.i}: ${body.error.code} is an ${faultOf(body.error.code)} fault, not an ${body.error.fault} one`,
        );
      failure = entry;
    } else if (entry.kind === 'step') {
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
      const valid = footerSchema.safeParse(entry);
      if (!valid.success) throw corrupt(i + 1, `invalid footer: ${issuesOf(valid.error)}`);
      footer = entry;
      if (entry.root !== last)
        throw corrupt(i + 1, `footer root is not the last ${failure ? 'failure' : 'step'} hash`);
      if (entry.length !== steps.length)
        throw corrupt(i + 1, `footer says ${entry.length} steps, the file has ${steps.length}`);
      if (entry.return !== sum)
        throw corrupt(i + 1, `footer return ${entry.return} is not the sum of the rewards (${sum})`);
      const error = valid.data.error;
      if (error) {
        const derived = faultOf(error.code);
        if (error.fault !== undefined && error.fault !== derived)
          throw corrupt(
            i + 1,
            `footer error ${error.code} is an ${derived} fault, not an ${error.fault} one`,
          );
        // Old records (footer error without a failure line) carry no fault: derive it.
        footer = { ...entry, error: { code: error.code, message: error.message, fault: derived } };
      }
      if (failure) {
        if (!footer.error || canonicalJson(footer.error) !== canonicalJson(failure.error))
          throw corrupt(i + 1, "the footer's error is not the failure line's");
        if (entry.terminated || entry.truncated)
          throw corrupt(i + 1, 'a failed episode is neither terminated nor truncated');
      }
    } else throw corrupt(i + 1, `unknown line kind ${JSON.stringify((entry as { kind?: unknown }).kind)}`);
  }
  return {
    header,
    steps,
    footer,
    complete: footer !== undefined,
    scores,
    ...(failure ? { failure } : {}),
  };
}
