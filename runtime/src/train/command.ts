import { readFileSync } from 'node:fs';
import { PalestraError } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { abortOnSigint, intArg, numberArg, paint } from '../rollout/cliArgs.ts';
import { sparkline } from './chart.ts';
import type { StepRecord, TrainState } from './checkpoint.ts';
import type { TrainOptions } from './train.ts';

interface TrainFlags {
  algo: 'sft' | 'grpo' | 'ppo';
  model: string;
  name?: string;
  loraRank?: number;
  targetModules?: string;
  steps: number;
  group: number;
  episodesPerStep?: number;
  warmStart?: string;
  sftSteps?: number;
  evalEvery: number;
  evalEpisodes: number;
  concurrency: number;
  seed: number;
  out: string;
  gpu: 'auto' | 'cpu' | 'cuda';
  quantize: 'none' | 'nf4';
  config?: string;
  temperature: number;
  maxTokens?: number;
  overseer: string;
  quiet?: boolean;
}

const options = z.record(z.string(), z.unknown());
/** `--config`: the algorithm's options, flat, or per algorithm (`{"grpo": {...}, "sft": {...}}`). */
const configSchema = z.union([
  z
    .object({ sft: options.optional(), grpo: options.optional(), ppo: options.optional() })
    .strict()
    .refine((o) => Object.keys(o).length > 0),
  options,
]);

/** Reads `--config`: the main algorithm's options and the warm start's SFT options. */
export function readTrainConfig(
  path: string,
  algo: TrainFlags['algo'],
): { config: Record<string, unknown>; sftConfig: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalestraError(
      'TRAIN_CONFIG_UNREADABLE',
      `cannot read --config ${path}: ${(e as Error).message}`,
      {
        hint: 'a JSON object of algorithm options, e.g. {"learning_rate": 5e-5, "beta": 0.04}',
      },
    );
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success || typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new PalestraError('TRAIN_CONFIG_INVALID', `--config ${path} is not a JSON object of options`, {
      hint: 'e.g. {"learning_rate": 5e-5} or {"grpo": {"learning_rate": 5e-5}, "sft": {"learning_rate": 2e-4}}',
    });
  const o = raw as Record<string, unknown>;
  const perAlgo = Object.keys(o).every((k) => k === 'sft' || k === 'grpo' || k === 'ppo');
  if (!perAlgo) return { config: o, sftConfig: {} };
  return {
    config: (o[algo] as Record<string, unknown> | undefined) ?? {},
    sftConfig: (o.sft as Record<string, unknown> | undefined) ?? {},
  };
}

/** ` · 2 environment faults left out (BAD_REWARD) · 1 agent fault at the worst reward`, or empty. */
export function faultNote(step: Pick<StepRecord, 'faults'>): string {
  const f = step.faults;
  if (!f || f.agent + f.environment === 0) return '';
  const codes = Object.entries(f.codes)
    .map(([c, n]) => (n > 1 ? `${n}× ${c}` : c))
    .join(', ');
  const parts = [
    f.environment ? `${f.environment} environment fault${f.environment === 1 ? '' : 's'} left out` : '',
    f.agent ? `${f.agent} agent fault${f.agent === 1 ? '' : 's'} at the worst reward` : '',
  ].filter(Boolean);
  return ` · ${parts.join(' · ')} (${codes})`;
}

/** The step log shows every SFT step that is a multiple of this, and each one evaluated. */
const SFT_LOG_EVERY = 20;

function stepLine(state: TrainState): string {
  const last = state.steps.at(-1);
  if (!last) return '';
  const r = last.reward ? `reward ${last.reward.mean.toFixed(3)} ± ${last.reward.std.toFixed(3)}` : '';
  const m = last.metrics ?? {};
  const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number).toPrecision(3) : '-');
  const e = last.eval ? ` · eval success ${(100 * last.eval.successRate).toFixed(0)}%` : '';
  const f = faultNote(last);
  return `step ${last.step} ${last.kind}${last.recovered ? ' (recovered: trained before a crash)' : ''} → ${last.trained} · ${r}${r ? ' · ' : ''}loss ${num('loss')} · kl ${typeof m.kl === 'number' ? num('kl') : num('approx_kl')}${e}${f} · ${last.seconds === null ? '-' : last.seconds.toFixed(1)} s`;
}

/**
 * Adds `palestra train` to a commander program.
 *
 * @example
 * registerTrainCommand(program); // palestra train echo-target --model tiny --steps 10 --group 8
 */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train a model on an environment: SFT on transcripts, then GRPO or PPO on its own rollouts (LoRA); rerun to resume',
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .requiredOption(
      '--model <dir|tiny>',
      'a local Hugging Face model folder (never downloaded), or "tiny" to try the loop',
    )
    .addOption(
      new Option('--algo <algo>', 'sft | grpo | ppo').choices(['sft', 'grpo', 'ppo']).default('grpo'),
    )
    .option('--name <name>', 'name the policy is served under, as NAME@STEP (default: the environment)')
    .option(
      '--lora-rank <r>',
      'LoRA rank (default: 16 for --model tiny, 8 for a model folder)',
      intArg('--lora-rank', 1),
    )
    .option(
      '--target-modules <list>',
      'comma-separated modules LoRA adapts (default: every attention and MLP projection, plus lm_head for --model tiny)',
    )
    .option('--steps <n>', 'optimisation steps of --algo (after the warm start)', intArg('--steps', 1), 10)
    .option(
      '--group <g>',
      'episodes per group: same task and seed, compared with each other (GRPO)',
      intArg('--group', 1),
      8,
    )
    .option(
      '--episodes-per-step <e>',
      'episodes per step, rounded up to whole groups (default: one group per training task)',
      intArg('--episodes-per-step', 1),
    )
    .option(
      '--warm-start <path>',
      'transcripts to imitate first: a scripted-actions file ({"episodes": [[...], ...]}, list i on training task i) or a folder of episodes',
    )
    .option(
      '--sft-steps <k>',
      'SFT steps on --warm-start before GRPO/PPO (default with --warm-start: 300 for --model tiny, 4 for a model folder)',
      intArg('--sft-steps'),
    )
    .option(
      '--eval-every <k>',
      'evaluate on the held-out tasks before training and every k steps (0: never)',
      intArg('--eval-every'),
      0,
    )
    .option(
      '--eval-episodes <n>',
      'held-out episodes per task at each evaluation',
      intArg('--eval-episodes', 1),
      4,
    )
    .option('--concurrency <c>', 'model calls in flight at once', intArg('--concurrency', 1), 8)
    .option(
      '--seed <s>',
      'run seed: tasks, environment seeds, the adapter initialisation',
      intArg('--seed'),
      0,
    )
    .option(
      '--out <dir>',
      'run folder: train.json, reward-curve.html, episodes, adapters',
      '.palestra/runs/train',
    )
    .addOption(
      new Option('--gpu <where>', 'auto takes CUDA when present')
        .choices(['auto', 'cpu', 'cuda'])
        .default('auto'),
    )
    .addOption(
      new Option('--quantize <q>', 'nf4: 4-bit base (QLoRA)').choices(['none', 'nf4']).default('none'),
    )
    .option(
      '--config <file>',
      'JSON algorithm options (TRL names: learning_rate, beta, epsilon, loss_type…), flat or {"grpo": {...}, "sft": {...}}',
    )
    .option(
      '--temperature <t>',
      'sampling temperature of training rollouts (evaluation is greedy)',
      numberArg('--temperature'),
      1,
    )
    .option(
      '--max-tokens <n>',
      'tokens per model turn (default: 48 for --model tiny, 128 for a model folder)',
      intArg('--max-tokens', 1),
    )
    .option(
      '--overseer <config>',
      'rewards: "rules" (replayed reward rules), a JSON ensemble config, or "none" (the environment\'s)',
      'rules',
    )
    .option('--quiet', 'no progress bar, one line per step')
    .addHelpText(
      'after',
      `
How it works: the trainer service (Python: torch, transformers, peft; installed into .palestra/python/main
on first use, or ahead with npm run trainer:install) serves the policy behind an OpenAI-compatible endpoint. Each step plays grouped rollouts of
the training tasks with the openai agent against it, scores them with the overseer, and sends the exact
sampled tokens to /train; the service hot-swaps to the new LoRA adapter (NAME@STEP). Progress goes to
--out/train.json and the chart to --out/reward-curve.html after every step. Ctrl-C stops after the
current phase; the same command again resumes (finished steps are never trained twice). Defaults follow
the model's size (--model tiny gets rates that let a random model learn; a folder gets TRL's); the
settings line at the start shows them, and the log warns when the run is learning nothing.

Examples:
  palestra train echo-phrasings --model tiny --warm-start examples/echo-phrasings-demos.json --steps 10 --group 8 --eval-every 5
  palestra train refund-desk --model ~/models/Qwen2.5-0.5B-Instruct --algo grpo --lora-rank 16 \\
      --steps 50 --group 8 --episodes-per-step 64 --config examples/grpo.json --out runs/rd-grpo
  palestra train echo-phrasings --model tiny --algo sft --warm-start examples/echo-phrasings-demos.json --steps 300`,
    )
    .action(async (name: string, flags: TrainFlags) => {
      const source = loadCatalog(name);
      if (flags.temperature <= 0 && flags.algo !== 'sft')
        throw new InvalidArgumentError('--temperature must be > 0 for GRPO/PPO: groups need varied samples');
      const configs = flags.config
        ? readTrainConfig(flags.config, flags.algo)
        : { config: {}, sftConfig: {} };
      const controller = new AbortController();
      const stopSigint = abortOnSigint(controller, () =>
        process.stderr.write(
          '\n! stopping after the current phase (Ctrl-C again to quit at once); rerun to resume\n',
        ),
      );
      const tty = process.stderr.isTTY && !flags.quiet;
      const bar = new cliProgress.SingleBar(
        {
          format: ' {bar} step {value}/{total} · {phase} · reward {spark} {reward} · {eta_formatted} left',
          hideCursor: true,
          stream: process.stderr,
          etaBuffer: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      let rewards: number[] = [];
      let barStarted = false;
      const log = (line: string) => {
        if (tty && barStarted) return; // the trainer's chatter would tear the bar; train.json and errors keep what matters
        process.stderr.write(`${paint('dim', `  trainer: ${line}`)}\n`);
      };
      const opts: TrainOptions = {
        source,
        algo: flags.algo,
        model: flags.model,
        steps: flags.steps,
        group: flags.group,
        evalEvery: flags.evalEvery,
        evalEpisodesPerTask: flags.evalEpisodes,
        concurrency: flags.concurrency,
        seed: flags.seed,
        out: flags.out,
        gpu: flags.gpu,
        quantize: flags.quantize,
        config: configs.config,
        sftConfig: configs.sftConfig,
        temperature: flags.temperature,
        overseer: flags.overseer,
        signal: controller.signal,
        log,
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.loraRank === undefined ? {} : { loraRank: flags.loraRank }),
        ...(flags.maxTokens === undefined ? {} : { maxTokens: flags.maxTokens }),
        ...(flags.targetModules
          ? {
              targetModules: flags.targetModules
                .split(',')
                .map((m) => m.trim())
                .filter(Boolean),
            }
          : {}),
        ...(flags.episodesPerStep ? { episodesPerStep: flags.episodesPerStep } : {}),
        ...(flags.warmStart ? { warmStart: flags.warmStart } : {}),
        ...(flags.sftSteps === undefined ? {} : { sftSteps: flags.sftSteps }),
        onEvent: (e) => {
          if (e.kind === 'start') {
            console.log(
              `training ${e.policy} on ${e.device}: ${e.done > 0 ? `resuming after step ${e.done} of ${e.total}` : `${e.total} steps`} · ${flags.out}`,
            );
            console.log(paint('dim', e.settings));
            if (tty) {
              bar.start(e.total, e.done, { phase: 'starting', spark: '', reward: '-' });
              barStarted = true;
            }
          } else if (e.kind === 'phase') {
            const phase = `${e.phase}${e.total ? ` ${e.done ?? 0}/${e.total}` : ''}`;
            if (tty) bar.update({ phase });
          } else if (e.kind === 'warning') {
            const text = `${paint('yellow', `! step ${e.step}: ${e.warning.message} (${e.warning.code})`)}\n  ${e.warning.hint}`;
            if (tty) {
              bar.stop();
              console.log(text);
              bar.start(bar.getTotal(), e.step, { phase: '…', spark: sparkline(rewards), reward: '-' });
            } else console.log(text);
          } else if (e.record.kind === 'sft' && !e.record.eval && e.record.step % SFT_LOG_EVERY !== 0) {
            // Warm-start steps are many and short: the bar counts them, the log shows every 20th.
            if (tty) bar.update(e.record.step, { phase: 'warm-start' });
          } else {
            rewards = e.state.steps.flatMap((s) => (s.reward ? [s.reward.mean] : []));
            if (tty) {
              bar.update(e.record.step, {
                spark: sparkline(rewards),
                reward: e.record.reward ? e.record.reward.mean.toFixed(3) : '-',
              });
              bar.stop();
              console.log(stepLine(e.state));
              bar.start(bar.getTotal(), e.state.steps.length, {
                phase: '…',
                spark: sparkline(rewards),
                reward: e.record.reward ? e.record.reward.mean.toFixed(3) : '-',
              });
            } else console.log(stepLine(e.state));
          }
        },
      };
      // The training engine (and what it imports) loads only when training starts, not for every
      // `palestra` command.
      const { train } = await import('./train.ts');
      let result: Awaited<ReturnType<typeof train>>;
      try {
        result = await train(opts);
      } finally {
        if (barStarted) bar.stop();
        stopSigint();
      }
      const s = result.state;
      // SFT steps have no rollouts, so no reward: the trend is over the steps that played episodes.
      const means = s.steps.flatMap((x) => (x.reward ? [x.reward.mean] : []));
      if (means.length > 0)
        console.log(`reward per step ${sparkline(means)}  (${means.map((m) => m.toFixed(2)).join(' ')})`);
      console.log(`chart: ${result.chart} · progress: ${flags.out}/train.json`);
      if (result.interrupted) {
        console.log(
          paint('yellow', `! stopped after step ${s.steps.length}: run the same command again to resume`),
        );
        process.exitCode = 130;
      }
    });
}
