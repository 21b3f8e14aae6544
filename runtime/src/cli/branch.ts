import type { Command } from 'commander';
import { z } from 'zod';
import { EXIT_CODES_HELP, intArg } from './args.ts';

/** The flags of `palestra branch`, as commander's parsers and defaults leave them. */
export const branchFlags = z.object({
  step: z.number().int().min(0).optional(),
  all: z.boolean().optional(),
  samples: z.number().int().min(1),
  agent: z.string().min(1),
  baseUrl: z.string().min(1).optional(),
  seed: z.number().int().min(0),
  concurrency: z.number().int().min(1),
  timeoutMs: z.number().int().min(1).optional(),
  env: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
});
export type BranchFlags = z.output<typeof branchFlags>;

/**
 * Adds `palestra branch` to a commander program.
 *
 * @example
 * registerBranchCommands(program); // palestra branch runs/a/episode-g000000-m00.jsonl --all --samples 32
 */
export function registerBranchCommands(program: Command): void {
  program
    .command('branch')
    .description(
      'restore the exact state at step k of an episode and let an agent play on from there N times: the chance of success from each step, and step advantages for training',
    )
    .argument('<episode>', 'an episode .jsonl file')
    .option('--step <k>', 'branch after step k (and k − 1, for the advantage of step k)', intArg('--step'))
    .option('--all', 'branch after every step of the episode')
    .option('--samples <n>', 'continuations per branch point', intArg('--samples', 1), 16)
    .option(
      '--agent <agent>',
      'the agent that plays on: random | random:invalid=<rate> | scripted:<file.json> | openai:<model> | anthropic:<model>',
      'random',
    )
    .option('--base-url <url>', 'endpoint of openai:<model> (OpenAI-compatible) or anthropic:<model> agents')
    .option('--seed <s>', 'seed of the continuations', intArg('--seed'), 0)
    .option('--concurrency <c>', 'agent turns in flight at once', intArg('--concurrency', 1), 4)
    .option('--timeout-ms <t>', 'deadline of one agent turn', intArg('--timeout-ms', 1))
    .option(
      '--env <env>',
      'replay against this environment instead (folder, catalog name or bundle root); default: the one that recorded the episode, found by the bundle root in its header (the content store .palestra/store, else the unchanged catalog environment)',
    )
    .option('--out <file>', 'step values and advantages as JSON (default: <episode>.branch.json)')
    .addHelpText(
      'after',
      `
A continuation stopped by an error (or whose agent gives no action) counts as failed, by fault, and
is left out of the values. A failed recorded episode can be branched from any step before the failure.

Examples:
  palestra branch runs/lake/episode-g000000-m00.jsonl --step 4 --samples 64
  palestra branch runs/lake/episode-g000000-m00.jsonl --all --samples 32 --agent random

${EXIT_CODES_HELP}`,
    )
    .action(async (file: string, flags: unknown) => {
      const { branchAction } = await import('./branchAction.ts');
      await branchAction(file, flags);
    });
}
