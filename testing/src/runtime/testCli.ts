// For tests: `palestra`'s rollout, html, eval, branch and learnability commands on a bare commander
// program, so they are tested as a user runs them before main.ts wires them in.
import { Command } from 'commander';
import { registerBranchCommands } from '../../../runtime/src/cli/branch.ts';
import { registerEvalCommands } from '../../../runtime/src/cli/eval.ts';
import { registerHtmlCommands } from '../../../runtime/src/cli/html.ts';
import { registerLearnabilityCommands } from '../../../runtime/src/cli/learnability.ts';
import { registerRolloutCommands } from '../../../runtime/src/cli/rollout.ts';

const program = new Command('palestra').exitOverride();
registerRolloutCommands(program);
registerHtmlCommands(program);
registerEvalCommands(program);
registerBranchCommands(program);
registerLearnabilityCommands(program);
await program.parseAsync(process.argv);
