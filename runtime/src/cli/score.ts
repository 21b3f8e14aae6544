import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_VERDICT_CACHE } from '../score/verdictCache.ts';

/** Tables of the score and overseer commands: no colours, no borders. */
export const plain = { style: { head: [], border: [] } };

/** The flags of `palestra score`, as commander's parsers and defaults leave them. */
export const scoreFlags = z.object({
  overseer: z.string().min(1),
  env: z.string().min(1).optional(),
  verify: z.boolean().optional(),
  force: z.boolean().optional(),
  groups: z.boolean().optional(),
  cache: z.string().min(1).optional(),
});
export type ScoreFlags = z.output<typeof scoreFlags>;

/** The flags of `palestra overseer redteam`. */
export const redteamFlags = z.object({ judge: z.string().min(1), threshold: z.number() });
export type RedteamFlags = z.output<typeof redteamFlags>;

/** The flags of `palestra overseer calibrate`. */
export const calibrateFlags = z.object({
  labels: z.string().min(1),
  judge: z.array(z.string().min(1)).min(1),
});
export type CalibrateFlags = z.output<typeof calibrateFlags>;

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
    .option(
      '--env <env>',
      'score against this environment instead (folder, catalog name or bundle root); default: the one that recorded each episode, found by the bundle root in its header',
    )
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
    .action(async (files: string[], flags: unknown) => {
      const { scoreAction } = await import('./scoreAction.ts');
      await scoreAction(files, flags);
    });

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
    .action(async (flags: unknown) => {
      const { redteamAction } = await import('./overseerActions.ts');
      await redteamAction(flags);
    });

  overseer
    .command('calibrate')
    .description(
      "compare judges on a labelled set: agreement, Spearman correlation, Cohen's kappa; a judge that fails on any labelled episode makes the calibration fail (exit 1)",
    )
    .requiredOption('--labels <file.json>', 'JSON list of {"episode": "path.jsonl", "label": 0..1}')
    .requiredOption('--judge <config.json...>', 'one or more judge configs')
    .action(async (flags: unknown) => {
      const { calibrateAction } = await import('./overseerActions.ts');
      await calibrateAction(flags);
    });
}
