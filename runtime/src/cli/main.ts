import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { styleText } from 'node:util';
import {
  bundleId,
  checkEnv,
  formatCheckReport,
  PalestraError,
  ReplayDivergence,
  readEpisode,
  replay,
} from '@palestra/envs';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { Command, InvalidArgumentError } from 'commander';
import { resolveAgent } from '../agents/resolve.ts';
import { registerBranchCommands } from '../branch/command.ts';
import { registerChainCommands } from '../chain/command.ts';
import { registerEvalCommands } from '../eval/command.ts';
import { registerHtmlCommands } from '../html/command.ts';
import { registerLearnabilityCommands } from '../learnability/command.ts';
import { registerMcpCommand } from '../mcp/command.ts';
import { registerRolloutCommands } from '../rollout/command.ts';
import { runEpisodes } from '../run/runEpisodes.ts';
import { registerScoreCommands } from '../score/command.ts';
import { registerServeCommand } from '../serve/command.ts';
import { registerTrainCommand } from '../train/command.ts';
import { formatHeader, formatStep } from './transcript.ts';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (style: Parameters<typeof styleText>[0], s: string) => (color ? styleText(style, s) : s);

function int(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

const program = new Command('palestra')
  .description(
    'Palestra: agentic RL environments as statecharts — check them, play them, replay every episode.',
  )
  .showHelpAfterError('(run palestra <command> --help for the options)')
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
    'check an environment: Gymnasium API contract, determinism, reward bounds, statechart reachability',
  )
  .argument('<env>', 'catalog name or folder with spec.json')
  .option('--episodes <n>', 'random episodes for the dynamic checks', int('--episodes', 1), 40)
  .option('--seed <s>', 'seed of the checks', int('--seed'), 0)
  .action(async (name: string, opts: { episodes: number; seed: number }) => {
    const source = loadCatalog(name);
    const report = await checkEnv(source, { episodes: opts.episodes, seed: opts.seed });
    console.log(formatCheckReport(report));
    console.log(`  bundle ${await bundleId(source)}`);
    if (!report.ok) process.exitCode = 1;
  });

program
  .command('run')
  .description('play episodes with an agent and record each one (JSONL, hash-chained) in --out')
  .argument('<env>', 'catalog name or folder with spec.json')
  .option(
    '--agent <agent>',
    'random | scripted:<file.json> | openai:<model> | anthropic:<model> | human',
    'random',
  )
  .option(
    '--base-url <url>',
    'policy endpoint for openai:/anthropic: agents (vLLM, llama.cpp, Ollama, the trainer)',
  )
  .option('--episodes <n>', 'how many episodes', int('--episodes', 1), 10)
  .option('--seed <s>', 'seed of the first episode (episode i uses seed + i)', int('--seed'), 0)
  .option('--out <dir>', 'folder for the episode files and summary.json', '.palestra/runs/latest')
  .action(
    async (
      name: string,
      opts: { agent: string; baseUrl?: string; episodes: number; seed: number; out: string },
    ) => {
      const source = loadCatalog(name);
      if (opts.baseUrl) {
        if (opts.agent.startsWith('anthropic:')) process.env.ANTHROPIC_BASE_URL = opts.baseUrl;
        else process.env.OPENAI_BASE_URL = opts.baseUrl;
      }
      const agent = resolveAgent(opts.agent, source.spec, opts.seed);
      mkdirSync(opts.out, { recursive: true });
      const bar = new cliProgress.SingleBar(
        {
          format: ' {bar} {value}/{total} episodes · mean return {mean} · {eta_formatted} left',
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      let sum = 0;
      bar.start(opts.episodes, 0, { mean: '-' });
      const summary = await runEpisodes(source, agent, {
        episodes: opts.episodes,
        seed: opts.seed,
        out: opts.out,
        onEpisode: (done, _total, ep) => {
          sum += ep.returnMicros / 1e6;
          bar.update(done, { mean: (sum / done).toFixed(3) });
        },
      });
      bar.stop();
      const returns = summary.episodes.map((e) => e.returnMicros / 1e6);
      const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
      const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
      const success = summary.episodes.filter((e) => e.terminated && e.returnMicros > 0).length;
      const table = new Table({
        ...(color ? {} : { style: { head: [], border: [] } }),
        head: [
          'env',
          'agent',
          'episodes',
          'return mean ± sd',
          'min … max',
          'success',
          'mean length',
          'truncated',
          'invalid actions',
        ],
      });
      table.push([
        summary.env,
        summary.agent,
        `${returns.length}${summary.episodes.some((e) => e.resumed) ? ` (${summary.episodes.filter((e) => e.resumed).length} resumed)` : ''}`,
        `${mean.toFixed(3)} ± ${std.toFixed(3)}`,
        `${Math.min(...returns)} … ${Math.max(...returns)}`,
        `${((100 * success) / returns.length).toFixed(0)}%`,
        (summary.episodes.reduce((a, e) => a + e.length, 0) / returns.length).toFixed(1),
        summary.episodes.filter((e) => e.truncated).length,
        summary.episodes.reduce((a, e) => a + e.invalidActions, 0),
      ]);
      console.log(table.toString());
      const failed = summary.episodes.filter((e) => e.error);
      if (failed.length > 0)
        console.log(
          paint(
            'yellow',
            `! ${failed.length} episode${failed.length === 1 ? '' : 's'} stopped on an environment error, e.g. episode ${failed[0]!.index}: ${failed[0]!.error}`,
          ),
        );
      const rate = summary.steps / Math.max(summary.seconds, 1e-9);
      console.log(
        `${summary.steps} steps in ${summary.seconds.toFixed(2)} s (${Math.round(rate)} steps/s) · bundle ${summary.bundle}`,
      );
      writeFileSync(
        join(opts.out, 'summary.json'),
        `${JSON.stringify({ ...summary, returnMean: mean, returnStd: std, successRate: success / returns.length }, null, 2)}\n`,
      );
      console.log(
        `episodes in ${opts.out}/ · replay one: palestra replay ${join(opts.out, 'episode-000000.jsonl')}`,
      );
    },
  );

program
  .command('replay')
  .description('re-execute a recorded episode, verify every step bit for bit, and print its transcript')
  .argument('<episode>', 'an episode-NNNNNN.jsonl file')
  .option('--step <k>', 'stop after step k and show the state there', int('--step', 0))
  .option('--env <env>', 'the environment (default: the catalog environment named in the episode)')
  .action(async (file: string, opts: { step?: number; env?: string }) => {
    const ep = readEpisode(file);
    const source = loadCatalog(opts.env ?? ep.header.spec.name);
    const root = await bundleId(source);
    console.log(formatHeader(ep));
    const sameBundle = ep.header.spec.root === null || ep.header.spec.root === root;
    const result = await replay(source, ep, opts.step === undefined ? {} : { upTo: opts.step });
    const shown = opts.step === undefined ? result.replayed : result.replayed.slice(-1);
    if (opts.step !== undefined && opts.step > 1)
      console.log(paint('dim', `   … steps 1–${opts.step - 1} replayed and verified`));
    for (const s of shown) console.log(formatStep(s));
    const total = ep.steps.reduce((a, s) => a + s.reward, 0) / 1e6;
    const end = ep.footer?.error
      ? `stopped by an environment error after ${ep.footer.length} steps: ${ep.footer.error.code}: ${ep.footer.error.message}`
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

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ReplayDivergence) {
    console.error(paint('red', `✖ ${e.message}`));
    console.error(
      `  expected: ${JSON.stringify(e.expected)}\n  actual:   ${JSON.stringify(e.actual)}\n  → ${e.hint}`,
    );
  } else if (e instanceof PalestraError) console.error(paint('red', `✖ ${e.explain()}`));
  else console.error(e);
  process.exitCode = 1;
});
