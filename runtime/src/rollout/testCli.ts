// For tests: the `palestra` commands of this folder's siblings on a bare commander program, so
// they are tested as a user runs them before main.ts wires them in.
import { Command } from 'commander';
import { registerBranchCommands } from '../branch/command.ts';
import { registerEvalCommands } from '../eval/command.ts';
import { registerHtmlCommands } from '../html/command.ts';
import { registerLearnabilityCommands } from '../learnability/command.ts';
import { registerRolloutCommands } from './command.ts';

const program = new Command('palestra').exitOverride();
registerRolloutCommands(program);
registerHtmlCommands(program);
registerEvalCommands(program);
registerBranchCommands(program);
registerLearnabilityCommands(program);
await program.parseAsync(process.argv);
