import { readFileSync } from 'node:fs';
import { type Episode, PalestraError, readEpisode } from '@palestra/envs';
import { agreement, cohensKappa, type Overseer, spearman } from '@palestra/overseer';
import { z } from 'zod';
import { type ItemError, itemError } from './checkIncomplete.ts';

const labelsSchema = z
  .array(z.object({ episode: z.string().min(1), label: z.number().min(0).max(1) }).strict())
  .min(2);

/** A labelled episode: a person's score (0…1) for the record. */
export interface Labelled {
  file: string;
  episode: Episode;
  label: number;
}

/**
 * Reads a labels file (`[{"episode": "path.jsonl", "label": 0..1}, …]`, paths as given, from the
 * working directory) and the episodes it names; every problem is a `LABELS_INVALID` error
 * naming the file and the JSON path.
 *
 * @example
 * const labelled = readLabels('labels.json');
 */
export function readLabels(path: string): Labelled[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalestraError(
      'LABELS_INVALID',
      `cannot read the labels file ${path}: ${(e as Error).message}`,
      {
        hint: 'a labels file is JSON: [{"episode": "runs/x/episode-000000.jsonl", "label": 1}, …] (at least two)',
      },
    );
  }
  const parsed = labelsSchema.safeParse(raw);
  if (!parsed.success)
    throw new PalestraError(
      'LABELS_INVALID',
      `${path}: ${parsed.error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`).join('; ')}`,
      { hint: 'each entry is {"episode": "<file.jsonl>", "label": <0…1>}, and there are at least two' },
    );
  return parsed.data.map((l) => ({ file: l.episode, episode: readEpisode(l.episode), label: l.label }));
}

/** One judge against the labels. Figures only when every labelled episode got a verdict. */
export interface CalibrationRow {
  judge: string;
  /** Labelled episodes the judge scored before it stopped (all of them, unless `error`). */
  scored: number;
  /** Decisions (score ≥ 0.5) that agree with the labels'. */
  agreement?: number;
  spearman?: number;
  kappa?: number;
  tokens: number;
  /** Why the judge stopped: its first failure. Its figures are then not measured. */
  error?: ItemError;
}

/**
 * Scores every labelled episode with each judge and compares the scores with the labels
 * (agreement, Spearman, Cohen's kappa at 0.5). A judge stops at its first failure, and has no
 * figures: statistics over the episodes it happened to score would compare it on another set
 * than the others (see `CheckIncompleteError` for the rule).
 *
 * @example
 * const rows = await calibrate([new LlmJudge(a), new LlmJudge(b)], readLabels('labels.json'));
 */
export async function calibrate(
  judges: (Overseer & { usage?: { inputTokens: number; outputTokens: number } })[],
  labelled: Labelled[],
): Promise<CalibrationRow[]> {
  const truth = labelled.map((l) => l.label);
  const rows: CalibrationRow[] = [];
  for (const judge of judges) {
    const scores: number[] = [];
    let error: ItemError | undefined;
    for (const l of labelled) {
      try {
        scores.push((await judge.scoreEpisode(l.episode)).reward);
      } catch (e) {
        const err = itemError(e);
        error = { ...err, message: `${l.file}: ${err.message}` };
        break;
      }
    }
    const tokens = judge.usage ? judge.usage.inputTokens + judge.usage.outputTokens : 0;
    rows.push(
      error
        ? { judge: judge.id, scored: scores.length, tokens, error }
        : {
            judge: judge.id,
            scored: scores.length,
            agreement: agreement(scores, truth),
            spearman: spearman(scores, truth),
            kappa: cohensKappa(scores, truth),
            tokens,
          },
    );
  }
  return rows;
}
