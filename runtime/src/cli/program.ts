import { catalogNames } from '@palestra/envs/catalog';
import { Command } from 'commander';
import { registerBranchCommands } from './branch.ts';
import { registerChainCommands } from './chain.ts';
import { registerCheckCommand } from './check.ts';
import { registerEvalCommands } from './eval.ts';
import { registerHtmlCommands } from './html.ts';
import { registerLearnabilityCommands } from './learnability.ts';
import { registerMcpCommand } from './mcp.ts';
import { registerProveCommand } from './prove.ts';
import { registerReplayCommand } from './replay.ts';
import { registerRolloutCommands } from './rollout.ts';
import { registerRunCommand } from './run.ts';
import { registerScoreCommands } from './score.ts';
import { registerServeCommand } from './serve.ts';
import { registerStudioCommand } from './studio.ts';
import { registerSubmitCommand } from './submit.ts';
import { registerTrainCommand } from './train.ts';
import { registerVerifyCommand } from './verify.ts';

/**
 * The `palestra` program: every command's name, arguments, options and help, and none of their
 * implementations. Each command imports its implementation when it runs (`await import(...)` in
 * its action), so `palestra --help`, `palestra <cmd> --help` and a command's flag errors load only
 * commander and the flag parsers, and a command loads only what it uses: `palestra check` never
 * loads the overseer, the contracts, the MCP SDK or the training engine. A register function keeps
 * its imports light for that reason (commander, zod, `cli/args.ts`, its own formatting).
 *
 * The layout: `cli/<command>.ts` registers a command and holds the zod schema of its flags;
 * `cli/<command>Action.ts`, loaded when the command runs, parses the flags with that schema
 * (`parseFlags`), calls the command's job (`runtime/src/jobs/`) with a progress renderer and an
 * `AbortController` tied to Ctrl-C, renders the result and sets the exit code.
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

  registerCheckCommand(program);
  registerReplayCommand(program);
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
  registerProveCommand(program);
  registerSubmitCommand(program);
  registerVerifyCommand(program);
  registerTrainCommand(program);
  registerStudioCommand(program);
  return program;
}
