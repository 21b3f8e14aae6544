import type { Command } from 'commander';
import { z } from 'zod';
import { EXIT_CODES_HELP, intArg } from './args.ts';

/** The flags of `palestra run`, as commander's parsers and defaults leave them. */
export const runFlags = z.object({
  agent: z.string().min(1),
  baseUrl: z.string().min(1).optional(),
  episodes: z.number().int().min(1),
  seed: z.number().int().min(0),
  out: z.string().min(1),
});
export type RunFlags = z.output<typeof runFlags>;

/**
 * Adds `palestra run` to a commander program: episodes one after the other with one agent, each
 * recorded, with a summary table and `summary.json` (the same summary as `palestra rollout`).
 *
 * @example
 * registerRunCommand(program); // palestra run frozen-lake --agent random --episodes 20 --seed 7
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('play episodes with an agent and record each one (JSONL, hash-chained) in --out')
    .argument('<env>', 'catalog name or folder with spec.json')
    .option(
      '--agent <agent>',
      'random | random:invalid=<rate> | scripted:<file.json> | openai:<model> | anthropic:<model> | human',
      'random',
    )
    .option(
      '--base-url <url>',
      'policy endpoint for openai:/anthropic: agents (vLLM, llama.cpp, Ollama, the trainer)',
    )
    .option('--episodes <n>', 'how many episodes', intArg('--episodes', 1), 10)
    .option('--seed <s>', 'seed of the first episode (episode i uses seed + i)', intArg('--seed'), 0)
    .option('--out <dir>', 'folder for the episode files and summary.json', '.palestra/runs/latest')
    .addHelpText(
      'after',
      `
Episode i is reset with seed + i and the environment draws its task from that seed. The same command
again keeps the complete episodes and plays the rest; Ctrl-C stops at once and leaves valid files.
An episode stopped by an error (the environment's code, a reward outside reward.bounds, an oversized
action) records the action that caused it and counts as failed, never in the means; the next one
runs. An agent that fails (after --retries) stops the run. For many episodes at once, GRPO groups and
retries, use palestra rollout.

${EXIT_CODES_HELP}`,
    )
    .action(async (name: string, opts: unknown) => {
      const { runAction } = await import('./runAction.ts');
      await runAction(name, opts);
    });
}
