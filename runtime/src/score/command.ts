import { readFileSync } from 'node:fs';
import { PalestraError } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { type JudgeConfig, LlmJudge, runRedTeam } from '@palestra/overseer';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { calibrate, readLabels } from './calibrate.ts';
import { CheckIncompleteError } from './checkIncomplete.ts';
import { DEFAULT_VERDICT_CACHE, scoreFiles } from './scoreFiles.ts';
import { verifyFiles } from './verifyFiles.ts';

const plain = { style: { head: [], border: [] } };

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

/** `palestra score`, `palestra overseer redteam`, `palestra overseer calibrate`. */
export function registerScoreCommands(program: Command): void {
  program
    .command('score')
    .description(
      'score recorded episodes with an overseer and commit each score into its episode (a score line after the footer); --verify re-derives committed scores from the rules and the verdict cache, for free',
    )
    .argument('<episodes...>', 'episode-NNNNNN.jsonl files')
    .option(
      '--overseer <config>',
      '"rules" (the environment\'s own reward rules, replayed) or a JSON config of a gated ensemble',
      'rules',
    )
    .option('--env <env>', 'the environment (default: the catalog environment named in each episode)')
    .option(
      '--verify',
      'check the committed scores instead of scoring: no judge is called (verdicts come from the cache)',
    )
    .option(
      '--force',
      'where this overseer already committed a different score, append a new score line after it (the old one stays)',
    )
    .option(
      '--groups',
      'judge the episodes of each GRPO group (same environment, task and seed) together, one request per group, ranked side by side (RULER-like); --verify finds group scores by itself',
    )
    .option(
      '--cache <dir>',
      `verdict cache: for judges without a cacheDir when scoring (default ${DEFAULT_VERDICT_CACHE}); for every judge with --verify`,
    )
    .action(
      async (
        files: string[],
        opts: {
          overseer: string;
          env?: string;
          verify?: boolean;
          force?: boolean;
          groups?: boolean;
          cache?: string;
        },
      ) => {
        const source = opts.env ? { source: loadCatalog(opts.env) } : {};
        const cache = opts.cache ? { cacheDir: opts.cache } : {};
        const bar = new cliProgress.SingleBar(
          {
            format: ` {bar} {value}/{total} episodes · ${opts.verify ? 'failed {failed}' : 'mean {mean}'}`,
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(files.length, 0, { mean: '-', failed: 0 });
        if (opts.verify) {
          let failed = 0;
          const { results, overseer } = await verifyFiles(files, opts.overseer, {
            ...source,
            ...cache,
            onVerified: (done, r) => {
              if (!r.ok) failed++;
              bar.update(done, { failed });
            },
          }).finally(() => bar.stop());
          const table = new Table({ ...plain, head: ['episode', 'score', 'verified'] });
          for (const r of results)
            table.push([
              r.file,
              r.record ? (r.record.reward / 1e6).toFixed(4) : '-',
              r.ok ? 'yes' : `NO: ${r.message}${r.hint ? `\n  → ${r.hint}` : ''}`,
            ]);
          console.log(table.toString());
          console.log(
            `${results.length - failed}/${results.length} committed scores re-derived by overseer ${overseer.slice(0, 12)}… with no judge call`,
          );
          if (failed > 0) process.exitCode = 1;
          return;
        }
        let sum = 0;
        const { scored, stats: st } = await scoreFiles(files, opts.overseer, {
          ...source,
          ...cache,
          ...(opts.force ? { force: true } : {}),
          ...(opts.groups ? { groups: true } : {}),
          onScored: (done, { score }) => {
            sum += score.reward;
            bar.update(done, { mean: (sum / done).toFixed(3) });
          },
        }).finally(() => bar.stop()); // also when a judge fails: the error must not print under a live bar
        const table = new Table({
          ...plain,
          head: ['episodes', 'mean', 'sd', 'min … max', 'vetoed', 'judge'],
        });
        table.push([
          st.episodes,
          st.mean.toFixed(4),
          st.sd.toFixed(4),
          `${st.min} … ${st.max}`,
          st.vetoed,
          st.judge,
        ]);
        console.log(table.toString());
        const comp = new Table({ ...plain, head: ['component', 'mean per episode'] });
        for (const [name, mean] of Object.entries(st.components)) comp.push([name, mean.toFixed(4)]);
        console.log(comp.toString());
        const added = scored.filter((s) => s.committed?.appended).length;
        console.log(
          `${st.committed}/${st.episodes} scores committed in their episodes by overseer ${st.overseer.slice(0, 12)}… (${added} new, ${st.committed - added} already there)${st.episodes > st.committed + st.conflicts ? `; ${st.episodes - st.committed - st.conflicts} unfinished episodes cannot carry a score` : ''}`,
        );
        for (const s of scored.filter((x) => x.conflict))
          console.error(`! ${s.conflict!.message}\n  → ${s.conflict!.hint}`);
        if (st.conflicts > 0) process.exitCode = 1;
      },
    );

  const overseer = program
    .command('overseer')
    .description('check the overseer: red-team its judges, calibrate them against labels');
  overseer
    .command('redteam')
    .description(
      'run the red-team set (episodes that try to fool the judge) and report the false-positive rate (goal ≤ 2%)',
    )
    .requiredOption(
      '--judge <config.json>',
      'a judge config: {"provider", "model", "rubric", "baseURL"?, "samples"?}',
    )
    .option(
      '--threshold <t>',
      'reward at or above which a failing episode counts as passed',
      (v) => Number(v),
      0.5,
    )
    .action(async (opts: { judge: string; threshold: number }) => {
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
    });

  overseer
    .command('calibrate')
    .description(
      "compare judges on a labelled set: agreement, Spearman correlation, Cohen's kappa; a judge that fails on any labelled episode makes the calibration fail (exit 1)",
    )
    .requiredOption('--labels <file.json>', 'JSON list of {"episode": "path.jsonl", "label": 0..1}')
    .requiredOption('--judge <config.json...>', 'one or more judge configs')
    .action(async (opts: { labels: string; judge: string[] }) => {
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
    });
}
