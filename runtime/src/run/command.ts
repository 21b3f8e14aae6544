import type { Command } from 'commander';
import { EXIT_CODES_HELP, intArg } from '../rollout/cliArgs.ts';

export interface RunFlags {
  agent: string;
  baseUrl?: string;
  episodes: number;
  seed: number;
  out: string;
}

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
    .action(async (name: string, opts: RunFlags) => {
      const { runAction } = await import('./runAction.ts');
      await runAction(name, opts);
    });
}
