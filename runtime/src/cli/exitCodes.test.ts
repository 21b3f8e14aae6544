import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { EXIT_EPISODES_FAILED } from './args.ts';
import { registerBranchCommands } from './branch.ts';
import { registerEvalCommands } from './eval.ts';
import { registerLearnabilityCommands } from './learnability.ts';
import { registerRolloutCommands } from './rollout.ts';
import { registerRunCommand } from './run.ts';

test('every command that plays episodes documents its exit codes in --help, 3 for failed episodes', () => {
  const program = new Command('palestra');
  registerRunCommand(program);
  registerRolloutCommands(program);
  registerEvalCommands(program);
  registerBranchCommands(program);
  registerLearnabilityCommands(program);
  assert.equal(EXIT_EPISODES_FAILED, 3);
  for (const name of ['run', 'rollout', 'eval', 'branch', 'learnability']) {
    const command = program.commands.find((c) => c.name() === name)!;
    let help = '';
    command.configureOutput({ writeOut: (s) => (help += s) });
    command.outputHelp();
    assert.match(help, /Exit codes: 0 every episode complete · 1 a usage error/, name);
    assert.match(help, /3 some episode failed \(stopped by an error: counted in the summary as failed/, name);
    assert.match(help, /130 interrupted/, name);
  }
});
