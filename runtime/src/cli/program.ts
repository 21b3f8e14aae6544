import { catalogNames } from '@palestra/envs/catalog';
import { Command } from 'commander';
import { registerBranchCommands } from '../branch/command.ts';
import { registerChainCommands } from '../chain/command.ts';
import { registerEvalCommands } from '../eval/command.ts';
import { registerHtmlCommands } from '../html/command.ts';
import { registerLearnabilityCommands } from '../learnability/command.ts';
import { registerMcpCommand } from '../mcp/command.ts';
import { intArg } from '../rollout/cliArgs.ts';
import { registerRolloutCommands } from '../rollout/command.ts';
import { registerRunCommand } from '../run/command.ts';
import { registerScoreCommands } from '../score/command.ts';
import { registerServeCommand } from '../serve/command.ts';
import { registerTrainCommand } from '../train/command.ts';
import type { CheckFlags } from './checkAction.ts';

/**
 * The `palestra` program: every command's name, arguments, options and help, and none of their
 * implementations. Each command imports its implementation when it runs (`await import(...)` in
 * its action), so `palestra --help`, `palestra <cmd> --help` and a command's flag errors load only
 * commander and the flag parsers, and a command loads only what it uses: `palestra check` never
 * loads the overseer, the contracts, the MCP SDK or the training engine. A register function keeps
 * its imports light for that reason (commander, `rollout/cliArgs.ts`, its own formatting).
 *
 * @example
 * await createProgram().parseAsync(['node', 'palestra', 'check', 'frozen-lake']);
 */
export function createProgram(): Command {
  const program = new Command('palestra')
    .description(
      'Palestra: agentic RL environments as statecharts — check them, play them, replay every episode.',
    )
    .showHelpAfterError('(run palestra <command> --help for the options)')
    // Every command's --help lists --debug under "Global Options" (commands inherit this setting).
    .configureHelp({ showGlobalOptions: true })
    .option('--debug', 'on an error, also print its stack trace and cause (any command)')
    .addHelpText(
      'after',
      `
Environments: a catalog name (${catalogNames().join(', ')}) or a folder with spec.json.

Examples:
  palestra check refund-desk
  palestra run frozen-lake --agent random --episodes 20 --seed 1 --out runs/lake
  palestra replay runs/lake/episode-000000.jsonl --step 3`,
    );

  program
    .command('check')
    .description(
      'check an environment: Gymnasium API contract, determinism (here and in another process under another TZ and host clock), reward bounds, statechart reachability; exit 1 on any error, including a check that could not run',
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .option('--episodes <n>', 'random episodes for the dynamic checks', intArg('--episodes', 1), 40)
    .option('--seed <s>', 'seed of the checks', intArg('--seed'), 0)
    .option('--no-cross-host', 'skip replaying episodes in another process (reported as a warning)')
    .action(async (name: string, opts: CheckFlags) => {
      const { checkAction } = await import('./checkAction.ts');
      await checkAction(name, opts);
    });

  program
    .command('replay')
    .description('re-execute a recorded episode, verify every step bit for bit, and print its transcript')
    .argument('<episode>', 'an episode-NNNNNN.jsonl file')
    .option('--step <k>', 'stop after step k and show the state there', intArg('--step', 0))
    .option('--env <env>', 'the environment (default: the catalog environment named in the episode)')
    .action(async (file: string, opts: { step?: number; env?: string }) => {
      const { replayAction } = await import('./replayAction.ts');
      await replayAction(file, opts);
    });

  registerRunCommand(program);
  registerRolloutCommands(program);
  registerHtmlCommands(program);
  registerEvalCommands(program);
  registerBranchCommands(program);
  registerLearnabilityCommands(program);
  registerServeCommand(program);
  registerMcpCommand(program);
  registerScoreCommands(program);
  registerChainCommands(program);
  registerTrainCommand(program);
  return program;
}
