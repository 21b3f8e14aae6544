import type { Command } from 'commander';
import { z } from 'zod';
import { EXIT_CODES_HELP, intArg } from './args.ts';

/** The flags of `palestra eval`, as commander's parsers and defaults leave them. */
export const evalFlags = z.object({
  agent: z.string().min(1),
  vs: z.string().min(1).optional(),
  baseUrl: z.string().min(1).optional(),
  episodesPerTask: z.number().int().min(1),
  seed: z.number().int().min(0),
  out: z.string().min(1),
  concurrency: z.number().int().min(1),
  timeoutMs: z.number().int().min(1).optional(),
  retries: z.number().int().min(0),
});
export type EvalFlags = z.output<typeof evalFlags>;

/**
 * Adds `palestra eval` to a commander program.
 *
 * @example
 * registerEvalCommands(program); // palestra eval refund-desk --agent openai:ft --vs openai:base
 */
export function registerEvalCommands(program: Command): void {
  program
    .command('eval')
    .description('evaluate an agent on held-out tasks; with --vs, compare two agents paired by task and seed')
    .argument('<env>', 'catalog name or folder with spec.json')
    .option(
      '--agent <agent>',
      'the agent: random | random:invalid=<rate> | scripted:<file.json> | openai:<model> | anthropic:<model>',
      'random',
    )
    .option('--vs <agent>', 'a baseline agent, played on the same tasks and seeds')
    .option('--base-url <url>', 'endpoint of openai:<model> (OpenAI-compatible) or anthropic:<model> agents')
    .option('--episodes-per-task <k>', 'seeds per task', intArg('--episodes-per-task', 1), 4)
    .option('--seed <s>', 'first seed (task t is played with seeds s … s + k − 1)', intArg('--seed'), 0)
    .option(
      '--out <dir>',
      'run folder (a/ and b/ hold the episodes; eval.json the report)',
      '.palestra/runs/eval',
    )
    .option('--concurrency <c>', 'agent turns in flight at once', intArg('--concurrency', 1), 4)
    .option('--timeout-ms <t>', 'deadline of one agent turn', intArg('--timeout-ms', 1))
    .option(
      '--retries <r>',
      'retries of a failed agent turn, with exponential backoff',
      intArg('--retries'),
      3,
    )
    .addHelpText(
      'after',
      `
Episodes stopped by an error count as failed (per agent, by fault in eval.json) and are left out of
the scores: only (task, seed) pairs both agents completed are compared. When an agent completes no
episode (an endpoint that cannot be reached, say) nothing is measured: EVAL_INCOMPLETE with the first
failure and what to do, no table, exit 3.

Examples:
  palestra eval echo-target --agent scripted:right.json --vs random --episodes-per-task 8
  palestra eval refund-desk --agent openai:my-lora --vs openai:base --base-url http://localhost:8000/v1

${EXIT_CODES_HELP}`,
    )
    .action(async (name: string, flags: unknown) => {
      const { evalAction } = await import('./evalAction.ts');
      await evalAction(name, flags);
    });
}
