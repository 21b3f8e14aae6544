import type { Command } from 'commander';
import { z } from 'zod';
import { intArg } from './args.ts';

/** Seconds `palestra check` gives a check by default: catalog environments take a few. */
export const CHECK_TIMEOUT_S = 120;

/** The flags of `palestra check`, as commander's parsers and defaults leave them. */
export const checkFlags = z.object({
  episodes: z.number().int().min(1),
  seed: z.number().int().min(0),
  crossHost: z.boolean(),
  /** Seconds the whole check may take before it is stopped (`CHECK_TIMEOUT`). */
  timeout: z.number().int().min(1),
});
export type CheckFlags = z.output<typeof checkFlags>;

/**
 * Adds `palestra check <env>` to a commander program.
 *
 * @example
 * registerCheckCommand(program); // palestra check refund-desk
 */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'check an environment: Gymnasium API contract, determinism (here and in another process under another TZ and host clock), reward bounds, statechart reachability; exit 1 on any error, including a check that could not run',
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .option('--episodes <n>', 'random episodes for the dynamic checks', intArg('--episodes', 1), 40)
    .option('--seed <s>', 'seed of the checks', intArg('--seed'), 0)
    .option('--no-cross-host', 'skip replaying episodes in another process (reported as a warning)')
    .option(
      '--timeout <seconds>',
      "stop the check after this many seconds and fail (the environment's code may be stuck in a loop); raise it for a slow environment",
      intArg('--timeout', 1),
      CHECK_TIMEOUT_S,
    )
    .action(async (name: string, flags: unknown) => {
      const { checkAction } = await import('./checkAction.ts');
      await checkAction(name, flags);
    });
}
