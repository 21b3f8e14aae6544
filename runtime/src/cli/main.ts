import { bundleId, checkEnv, formatCheckReport, readEpisode, replay } from '@palestra/envs';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { Command } from 'commander';
import { registerBranchCommands } from '../branch/command.ts';
import { registerChainCommands } from '../chain/command.ts';
import { registerEvalCommands } from '../eval/command.ts';
import { registerHtmlCommands } from '../html/command.ts';
import { registerLearnabilityCommands } from '../learnability/command.ts';
import { registerMcpCommand } from '../mcp/command.ts';
import { checkStepArg, intArg, paint } from '../rollout/cliArgs.ts';
import { registerRolloutCommands } from '../rollout/command.ts';
import { registerRunCommand } from '../run/command.ts';
import { registerScoreCommands } from '../score/command.ts';
import { registerServeCommand } from '../serve/command.ts';
import { registerTrainCommand } from '../train/command.ts';
import { exitCodeFor, formatError } from './printError.ts';
import { formatFailure, formatHeader, formatStep } from './transcript.ts';

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
  .action(async (name: string, opts: { episodes: number; seed: number; crossHost: boolean }) => {
    const source = loadCatalog(name);
    const report = await checkEnv(source, {
      episodes: opts.episodes,
      seed: opts.seed,
      ...(opts.crossHost ? {} : { crossHost: false as const }),
    });
    console.log(formatCheckReport(report));
    console.log(`  bundle ${await bundleId(source)}`);
    if (!report.ok) process.exitCode = 1;
  });

program
  .command('replay')
  .description('re-execute a recorded episode, verify every step bit for bit, and print its transcript')
  .argument('<episode>', 'an episode-NNNNNN.jsonl file')
  .option('--step <k>', 'stop after step k and show the state there', intArg('--step', 0))
  .option('--env <env>', 'the environment (default: the catalog environment named in the episode)')
  .action(async (file: string, opts: { step?: number; env?: string }) => {
    const ep = readEpisode(file);
    // Up to the failing action of a failed episode: replay re-executes it too.
    checkStepArg(opts.step, ep, file, { throughFailure: true });
    const source = loadCatalog(opts.env ?? ep.header.spec.name);
    const root = await bundleId(source);
    console.log(formatHeader(ep));
    const sameBundle = ep.header.spec.root === null || ep.header.spec.root === root;
    const result = await replay(source, ep, opts.step === undefined ? {} : { upTo: opts.step });
    const shown = opts.step === undefined ? result.replayed : result.replayed.slice(-1);
    if (opts.step !== undefined && opts.step > 1)
      console.log(paint('dim', `   … steps 1–${opts.step - 1} replayed and verified`));
    for (const s of shown) console.log(formatStep(s));
    // The failing action is re-executed by replay too (it must fail the same way); shown unless --step stopped before it.
    if (ep.failure && (opts.step === undefined || opts.step >= ep.failure.i))
      console.log(formatFailure(ep.failure));
    const total = ep.steps.reduce((a, s) => a + s.reward, 0) / 1e6;
    const end = ep.footer?.error
      ? `failed ${ep.failure ? `at step ${ep.failure.i}` : `after ${ep.footer.length} steps`}: ${ep.footer.error.code}: ${ep.footer.error.message}${ep.footer.error.fault ? ` (${ep.footer.error.fault} fault)` : ''} · a failed episode, not a complete one`
      : ep.footer
        ? `${ep.footer.terminated ? 'terminated' : 'truncated'} after ${ep.footer.length} steps · return ${ep.footer.return / 1e6}`
        : `the file stops after step ${ep.steps.length} (truncated record: the run was interrupted) · return so far ${total}`;
    console.log(`── end: ${end}`);
    console.log(
      paint(
        'green',
        `✔ verified: ${result.steps} step${result.steps === 1 ? '' : 's'} re-executed bit for bit · root ${result.root.slice(0, 16)}…`,
      ) +
        (sameBundle
          ? ''
          : paint(
              'yellow',
              `\n! the environment changed since this episode was recorded (bundle ${ep.header.spec.root?.slice(0, 12)}… → ${root.slice(0, 12)}…), yet every step still matches`,
            )),
    );
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

/** Prints an error by the CLI's one rule (see `formatError`) and sets the exit code. */
function fail(e: unknown): void {
  console.error(paint('red', formatError(e, { debug: program.opts().debug === true })));
  process.exitCode = exitCodeFor(e);
}

// Output piped into a reader that stopped early (`palestra run … | head`): nothing more can be
// shown, and it is no error of the command's; stop as a shell pipeline expects, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fail(e);
});

// An error outside a command's promise (a server's 'error' event, a stray rejection) follows the
// same rule instead of Node's default stack dump; the process cannot be trusted to go on.
process.on('uncaughtException', (e) => {
  fail(e);
  process.exit();
});
process.on('unhandledRejection', (e) => {
  fail(e);
  process.exit();
});

program.parseAsync(process.argv).catch(fail);
