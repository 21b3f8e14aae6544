import Table from 'cli-table3';
import type { Command } from 'commander';
import { z } from 'zod';
import { bar } from '../branch/chart.ts';
import type { LearnabilityReport } from '../learnability/learnability.ts';
import { EXIT_CODES_HELP, intArg, numberArg, paint, tableStyle } from './args.ts';

/** The report an author reads before publishing. */
export function formatLearnabilityReport(r: LearnabilityReport): string {
  const lines = [
    `Learnability of ${r.env} · ${r.groups} groups × ${r.groupSize} episodes per agent (seed ${r.seed}) · reward range ${r.range.min} … ${r.range.max} (${r.range.from}) · margin ${r.margin.toFixed(3)}`,
  ];
  const t = new Table({
    ...tableStyle(),
    head: [
      'agent',
      'kind',
      'failed',
      'return mean ± sd',
      'earned',
      'success',
      'mean length',
      'invalid',
      'flat groups',
      'vs random',
    ],
  });
  for (const x of r.results)
    t.push([
      x.name,
      x.kind,
      x.failed.failed,
      // Over no complete episode there are no figures: a dash, not a mean of nothing that reads as 0.
      ...(x.episodes === 0
        ? Array.from({ length: 6 }, () => '-')
        : [
            `${x.meanReturn.toFixed(3)} ± ${x.stdReturn.toFixed(3)}`,
            x.meanEarned.toFixed(3),
            `${(100 * x.successRate).toFixed(0)}%`,
            x.meanLength.toFixed(1),
            `${(100 * x.invalidShare).toFixed(0)}%`,
            `${(100 * x.flatGroups).toFixed(0)}%`,
          ]),
      x.overRandom === undefined
        ? ''
        : `${x.overRandom > 0 ? '+' : ''}${x.overRandom.toFixed(3)}${x.games ? ' ✖ games the reward' : ' ✔'}`,
    ]);
  lines.push(t.toString());
  const h = r.histogram;
  lines.push('returns of the random baseline:');
  const most = Math.max(1, ...h.counts);
  h.counts.forEach((c, i) => {
    const lo = h.min + i * h.width;
    const label = h.width === 0 ? `${h.min}` : `${lo.toFixed(3)} … ${(lo + h.width).toFixed(3)}`;
    lines.push(`  ${label.padStart(17)} ▕${bar(c / most, 30)}▏ ${c}`);
  });
  for (const f of r.findings)
    lines.push(
      f.level === 'error'
        ? paint('red', `✖ ${f.message}`)
        : f.level === 'warning'
          ? paint('yellow', `! ${f.message}`)
          : paint('dim', `· ${f.message}`),
    );
  lines.push(
    r.results.some((x) => x.games)
      ? paint(
          'red',
          '✖ a degenerate policy earns reward without solving the task: fix the reward before publishing',
        )
      : r.failed > 0
        ? paint(
            'red',
            `✖ ${r.failed} episode(s) failed: no verdict until every episode completes (see the errors above)`,
          )
        : paint('green', '✔ no degenerate policy earns reward without solving the task'),
  );
  return lines.join('\n');
}

/** The flags of `palestra learnability`, checked as a whole (commander's parsers checked each number). */
export const learnabilityFlags = z.object({
  groups: z.number().int().min(1),
  group: z.number().int().min(1),
  seed: z.number().int().min(0),
  scripted: z.string().min(1).optional(),
  margin: z.number().min(0).optional(),
  out: z.string().min(1).optional(),
  json: z.string().min(1).optional(),
  /** Accepted and unused: the analysis plays one episode at a time (see `LearnabilityOptions`). */
  concurrency: z.number().int().min(1),
});
export type LearnabilityFlags = z.output<typeof learnabilityFlags>;

/**
 * Adds `palestra learnability` to a commander program.
 *
 * @example
 * registerLearnabilityCommands(program); // palestra learnability refund-desk --scripted solve.json
 */
export function registerLearnabilityCommands(program: Command): void {
  program
    .command('learnability')
    .description(
      'before publishing: baselines, reward distribution, GRPO groups without signal, and degenerate policies that should not earn reward (exit 1 if one games the reward, 3 if episodes failed)',
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .option('--groups <n>', 'groups per agent', intArg('--groups', 1), 16)
    .option('--group <g>', 'episodes per group (one task, one seed)', intArg('--group', 1), 4)
    .option('--seed <s>', 'seed', intArg('--seed'), 0)
    .option(
      '--scripted <file>',
      'a scripted baseline (JSON list of actions) that shows the goal is reachable',
    )
    .option(
      '--margin <m>',
      'how far above random a degenerate policy may score (default: 10% of the reward range)',
      numberArg('--margin'),
    )
    .option('--out <dir>', 'keep the episodes in this folder (default: a temporary folder)')
    .option('--json <file>', 'also write the report as JSON')
    .option('--concurrency <c>', 'episodes in flight', intArg('--concurrency', 1), 4)
    .addHelpText(
      'after',
      `
A degenerate policy games the reward when it beats random's return by more than the margin and
either earns more reward than random (positive reward components, before costs and penalties) or
scores within the margin of the best return the spec's bounds allow. Beating random only by paying
smaller penalties (idling instead of acting blind) is reported, not failed.
Episodes stopped by an error count as failed (an error finding) and are left out of every figure;
then the report is not a pass. A baseline (random, or --scripted) that completes no episode measures
nothing: LEARNABILITY_INCOMPLETE with the first failure and what to do, no report, exit 3.

Examples:
  palestra learnability echo-target
  palestra learnability refund-desk --scripted solve.json --groups 32

${EXIT_CODES_HELP} Here 1 also means a degenerate policy games the reward (it takes precedence over 3).`,
    )
    .action(async (name: string, raw: unknown) => {
      const { learnabilityAction } = await import('./learnabilityAction.ts');
      await learnabilityAction(name, raw);
    });
}
