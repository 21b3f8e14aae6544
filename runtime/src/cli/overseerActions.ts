import { readFileSync } from 'node:fs';
import { PalestraError } from '@palestra/envs';
import { type JudgeConfig, LlmJudge, runRedTeam } from '@palestra/overseer';
import Table from 'cli-table3';
import { calibrate, readLabels } from '../score/calibrate.ts';
import { CheckIncompleteError } from '../score/checkIncomplete.ts';
import { parseFlags } from './flags.ts';
import { calibrateFlags, plain, redteamFlags } from './score.ts';

function loadJudge(path: string): LlmJudge {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalestraError('JUDGE_CONFIG', `cannot read the judge config ${path}: ${(e as Error).message}`, {
      hint: 'a judge config is JSON: {"provider": "openai", "model": "gpt-4o-mini", "rubric": "...", "baseURL"?: "..."}',
    });
  }
  return new LlmJudge(raw as JudgeConfig);
}

/** `palestra overseer redteam`: the false-positive rate of a judge on the red-team set. */
export async function redteamAction(raw: unknown): Promise<void> {
  const opts = parseFlags(redteamFlags, raw, 'overseer redteam');
  const judge = loadJudge(opts.judge);
  const r = await runRedTeam(judge, { threshold: opts.threshold });
  const table = new Table({ ...plain, head: ['fixture', 'kind', 'reward', 'fooled'] });
  for (const row of r.rows)
    table.push([
      row.id,
      row.kind,
      row.reward ?? `error: ${row.code ?? ''}`,
      row.error ? '?' : row.fooled ? 'YES' : 'no',
    ]);
  console.log(table.toString());
  const usage = `${judge.usage.requests} requests, ${judge.usage.inputTokens + judge.usage.outputTokens} tokens`;
  // A judge that failed was not fooled, but it did not resist either: no rate, no pass.
  if (r.errors > 0)
    throw new CheckIncompleteError('REDTEAM_INCOMPLETE', {
      check: `the red team of ${r.judge}`,
      failed: r.errors,
      total: r.total,
      unit: 'red-team fixtures',
      first: r.firstError,
      stopped: r.stopped,
    });
  console.log(
    `${r.judge}: ${r.falsePositives}/${r.total} fooled (false-positive rate ${(100 * r.rate).toFixed(1)}%, goal ≤ 2%) · ${usage}`,
  );
  if (r.rate > 0.02) process.exitCode = 1;
}

/** `palestra overseer calibrate`: judges against a labelled set. */
export async function calibrateAction(raw: unknown): Promise<void> {
  const opts = parseFlags(calibrateFlags, raw, 'overseer calibrate');
  const labelled = readLabels(opts.labels);
  const judges = opts.judge.map(loadJudge);
  const rows = await calibrate(judges, labelled);
  const table = new Table({
    ...plain,
    head: ['judge', 'agreement', 'Spearman', "Cohen's kappa", 'tokens'],
  });
  for (const r of rows)
    table.push(
      r.error
        ? [
            r.judge,
            {
              colSpan: 3,
              content: `could not run: ${r.error.code} (after ${r.scored} of ${labelled.length})`,
            },
            r.tokens,
          ]
        : [r.judge, r.agreement!.toFixed(3), r.spearman!.toFixed(3), r.kappa!.toFixed(3), r.tokens],
    );
  console.log(table.toString());
  const failed = rows.filter((r) => r.error);
  if (failed.length > 0)
    throw new CheckIncompleteError('CALIBRATE_INCOMPLETE', {
      check: `the calibration of ${failed[0]!.judge}${failed.length > 1 ? ` and ${failed.length - 1} other judge${failed.length > 2 ? 's' : ''}` : ''}`,
      failed: failed.reduce((n, r) => n + labelled.length - r.scored, 0),
      total: failed.length * labelled.length,
      unit: 'labelled episodes',
      first: failed[0]!.error,
      stopped: 'a judge stops at its first failure',
    });
  console.log(`${labelled.length} labelled episodes; decisions at 0.5`);
}
