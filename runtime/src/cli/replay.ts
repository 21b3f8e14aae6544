import type { Command } from 'commander';
import { z } from 'zod';
import { intArg } from './args.ts';

/** The flags of `palestra replay` (`--html` is added by the html command, and read by its hooks). */
export const replayFlags = z.object({
  step: z.number().int().min(0).optional(),
  env: z.string().min(1).optional(),
});
export type ReplayFlags = z.output<typeof replayFlags>;

/**
 * Adds `palestra replay <episode>` to a commander program.
 *
 * @example
 * registerReplayCommand(program); // palestra replay runs/lake/episode-000000.jsonl --step 3
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('re-execute a recorded episode, verify every step bit for bit, and print its transcript')
    .argument('<episode>', 'an episode-NNNNNN.jsonl file')
    .option('--step <k>', 'stop after step k and show the state there', intArg('--step', 0))
    .option(
      '--env <env>',
      'replay against this environment instead (folder, catalog name or bundle root); default: the one that recorded the episode, found by the bundle root in its header (the content store .palestra/store, else the unchanged catalog environment)',
    )
    .action(async (file: string, flags: unknown) => {
      const { replayAction } = await import('./replayAction.ts');
      await replayAction(file, flags);
    });
}
