import type { Command } from 'commander';
import { z } from 'zod';
import { EXIT_CODES_HELP, intArg, numberArg, workersArg } from './args.ts';

/** The flags of `palestra rollout`, as commander's parsers and defaults leave them. */
export const rolloutFlags = z.object({
  agent: z.string().min(1),
  baseUrl: z.string().min(1).optional(),
  episodes: z.number().int().min(1),
  group: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  out: z.string().min(1),
  seed: z.number().int().min(0),
  timeoutMs: z.number().int().min(1).optional(),
  retries: z.number().int().min(0),
  pricePrompt: z.number().min(0).optional(),
  priceCompletion: z.number().min(0).optional(),
  overseer: z.string().min(1),
  workers: z.union([z.literal('auto'), z.number().int().min(0)]),
});
export type RolloutFlags = z.output<typeof rolloutFlags>;

/**
 * Adds `palestra rollout` to a commander program.
 *
 * @example
 * registerRolloutCommands(program); // palestra rollout frozen-lake --agent random --episodes 64 --group 8
 */
export function registerRolloutCommands(program: Command): void {
  program
    .command('rollout')
    .description(
      'play many episodes at once (groups of G share a task and seed, for GRPO), record each, write summary.json; rerun to resume',
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .option(
      '--agent <agent>',
      'random (valid calls) | random:invalid=<rate> | scripted:<file.json> | openai:<model> | anthropic:<model>',
      'random',
    )
    .option(
      '--base-url <url>',
      'endpoint of the model agent: OpenAI-compatible for openai:<model> (vLLM, llama.cpp, Ollama, the trainer), Messages API for anthropic:<model>',
    )
    .option('--episodes <n>', 'episodes in total (rounded up to whole groups)', intArg('--episodes', 1), 16)
    .option('--group <g>', 'episodes per group: same task, same environment seed', intArg('--group', 1), 1)
    .option(
      '--concurrency <c>',
      'most agent turns (model calls) in flight at once. Model agents start with one episode and add more, up to this, while the measured wait for the model is worth more than opening another environment; random and scripted agents never wait, so they play one episode at a time',
      intArg('--concurrency', 1),
      4,
    )
    .option('--out <dir>', 'run folder: episode files and summary.json', '.palestra/runs/rollout')
    .option('--seed <s>', 'run seed: group g uses environment seed s + g', intArg('--seed'), 0)
    .option(
      '--timeout-ms <t>',
      'deadline of one agent turn; a late turn is retried',
      intArg('--timeout-ms', 1),
    )
    .option(
      '--retries <r>',
      'retries of a failed agent turn, with exponential backoff',
      intArg('--retries'),
      3,
    )
    .option(
      '--price-prompt <usd>',
      'USD per million prompt tokens (for the cost in the summary)',
      numberArg('--price-prompt'),
    )
    .option('--price-completion <usd>', 'USD per million completion tokens', numberArg('--price-completion'))
    .option(
      '--overseer <config>',
      'score the complete episodes: "rules" (replayed reward rules), a JSON ensemble config, or "none"; with --group > 1, LLM judges rank each group side by side',
      'rules',
    )
    .option(
      '--workers <n>',
      'extra threads that play episodes, each with its share of --concurrency. "auto" (the default) uses threads only where they pay: with many model calls in flight (--concurrency 64 or more, on 2+ cores) it plays about an eighth of the episodes on the main thread first and measures how busy that thread is; only if it cannot keep up do the rest go to one thread per 32 calls in flight, up to the cores. Random and scripted agents never get threads (their turns are too cheap to share). N: exactly N threads; 0: the main thread only',
      workersArg,
      'auto',
    )
    .addHelpText(
      'after',
      `
Episode files are episode-g<group>-m<member>.jsonl. Ctrl-C stops in-flight episodes (their files stay
valid, marked truncated); the same command again keeps complete episodes and replays the rest.
The spec must declare reward.bounds. An episode stopped by an error records the action that caused
it and counts as failed (summary.json: failed, faults), never in the means.

${EXIT_CODES_HELP}

Examples:
  palestra rollout frozen-lake --agent random --episodes 64 --group 8 --concurrency 16 --out runs/lake
  palestra rollout refund-desk --agent openai:qwen2.5-7b --base-url http://localhost:8000/v1 --episodes 32 --group 4`,
    )
    .action(async (name: string, flags: unknown) => {
      const { rolloutAction } = await import('./rolloutAction.ts');
      await rolloutAction(name, flags);
    });
}
