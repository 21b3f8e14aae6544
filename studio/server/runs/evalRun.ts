/**
 * What the run page shows of a `palestra eval` run: its `eval.json` (the runtime's `EvalReport`),
 * parsed with a schema at the boundary. An interval over no unit is NaN in the report, which JSON
 * writes as null: it stays null here and the page shows a dash.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalReport } from '@palestra/runtime';
import { z } from 'zod';

const num = z.number().nullable();
const interval = z.object({ estimate: num, low: num, high: num, level: z.number() });
const failed = z.object({ failed: z.number().int(), agent: z.number().int(), environment: z.number().int() });
const score = z.object({
  label: z.string(),
  agent: z.string(),
  episodes: z.number().int(),
  failed,
  firstFailure: z
    .object({ code: z.string(), message: z.string(), fault: z.string(), step: z.number().optional() })
    .optional(),
  successRate: interval,
  meanReturn: interval,
});
const rates = z.object({ successRate: z.number(), meanReturn: z.number() });
const reportSchema = z.object({
  v: z.literal(1),
  env: z.string(),
  split: z.enum(['eval', 'all']),
  tasks: z.number().int(),
  episodesPerTask: z.number().int(),
  seed: z.number().int(),
  a: score,
  b: score.optional(),
  difference: z.object({ successRate: interval, meanReturn: interval, pairs: z.number().int() }).optional(),
  perTask: z.array(
    z.object({
      taskIndex: z.number().int(),
      taskId: z.string().nullable(),
      episodes: z.number().int(),
      a: rates,
      b: rates.optional(),
    }),
  ),
  complete: z.boolean(),
  failed: z.number().int(),
});

/** An interval as the page shows it (null where the report had no unit to measure). */
export type EvalInterval = z.infer<typeof interval>;
export type EvalAgentScore = z.infer<typeof score>;

/** A readable evaluation run: the report itself (`EvalReport`, intervals possibly null). */
export type EvalRunData = { state: 'ok' } & z.infer<typeof reportSchema>;

/** An eval.json that is there but cannot be read: the error as code, message and hint. */
export interface EvalRunProblem {
  state: 'unreadable';
  code: 'EVAL_REPORT_UNREADABLE' | 'EVAL_REPORT_INVALID';
  message: string;
  hint: string;
}

/** What the run page shows of a `palestra eval` run: its report, or why its eval.json cannot be read. */
export type EvalRunView = EvalRunData | EvalRunProblem;

/** Checked by tsc: the schema describes the runtime's report, so every report it writes fits. */
type Describes<T extends z.input<typeof reportSchema>> = T;
export type EvalReportFile = Describes<EvalReport>;

/**
 * The view of the evaluation run in `dir`, `undefined` when it has no eval.json, or a problem
 * (`EVAL_REPORT_UNREADABLE`, `EVAL_REPORT_INVALID`) when its eval.json is not a report.
 *
 * @example
 * const view = await readEvalRun(found.dir);
 * if (view?.state === 'ok') view.difference?.successRate; // { estimate: 0.5, low: 0.25, high: 0.75, level: 0.95 }
 */
export async function readEvalRun(dir: string): Promise<EvalRunView | undefined> {
  const path = join(dir, 'eval.json');
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return {
      state: 'unreadable',
      code: 'EVAL_REPORT_UNREADABLE',
      message: `eval.json is not JSON: ${(e as Error).message}`,
      hint: 'run the evaluation again into this folder (palestra eval … --out): it rewrites the report from the recorded episodes',
    };
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success)
    return {
      state: 'unreadable',
      code: 'EVAL_REPORT_INVALID',
      message: `eval.json: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
      hint: 'it was written by another version or edited: run the evaluation again into this folder',
    };
  return { state: 'ok', ...parsed.data };
}
