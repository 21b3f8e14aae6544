import { readFileSync } from 'node:fs';
import { PalestraError } from '@palestra/envs';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { type TrainProgress, type TrainResult, train } from '../jobs/train.ts';
import { sparkline } from '../train/chart.ts';
import type { StepRecord, TrainState } from '../train/checkpoint.ts';
import { abortOnSigint, paint } from './args.ts';
import { parseFlags } from './flags.ts';
import { announceRun } from './studioLink.ts';
import { type TrainFlags, trainFlags } from './train.ts';

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
 * What the run shows while it trains: the start and settings lines, then one line per step on
 * stdout; on a terminal (without `--quiet`) a bar on stderr with the phase and the reward's
 * sparkline, which the step lines and warnings print above; the trainer's own lines (dimmed, on
 * stderr) only while no bar is shown, since they would tear it.
 */
function trainRenderer(flags: TrainFlags): { onProgress: (e: TrainProgress) => void; stop: () => void } {
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
  const onProgress = (e: TrainProgress) => {
    if (e.kind === 'log') {
      if (tty && barStarted) return; // the trainer's chatter would tear the bar; train.json and errors keep what matters
      process.stderr.write(`${paint('dim', `  trainer: ${e.line}`)}\n`);
    } else if (e.kind === 'start') {
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
  };
  return {
    onProgress,
    stop: () => {
      if (barStarted) bar.stop();
    },
  };
}

/** `palestra train <env>`: the train job with its step log and Ctrl-C, then the reward trend; exit 130 when stopped. */
export async function trainAction(name: string, raw: unknown): Promise<void> {
  const flags = parseFlags(trainFlags, raw, 'train');
  const configs = flags.config ? readTrainConfig(flags.config, flags.algo) : { config: {}, sftConfig: {} };
  const controller = new AbortController();
  const stopSigint = abortOnSigint(controller, () =>
    process.stderr.write(
      '\n! stopping after the current phase (Ctrl-C again to quit at once); rerun to resume\n',
    ),
  );
  const render = trainRenderer(flags);
  let result: TrainResult;
  try {
    result = await train(
      {
        env: name,
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
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.loraRank === undefined ? {} : { loraRank: flags.loraRank }),
        ...(flags.maxTokens === undefined ? {} : { maxTokens: flags.maxTokens }),
        ...(flags.targetModules?.length ? { targetModules: flags.targetModules } : {}),
        ...(flags.episodesPerStep ? { episodesPerStep: flags.episodesPerStep } : {}),
        ...(flags.warmStart ? { warmStart: flags.warmStart } : {}),
        ...(flags.sftSteps === undefined ? {} : { sftSteps: flags.sftSteps }),
      },
      { signal: controller.signal, onProgress: render.onProgress },
    );
  } finally {
    render.stop();
    stopSigint();
  }
  const s = result.state;
  // SFT steps have no rollouts, so no reward: the trend is over the steps that played episodes.
  const means = s.steps.flatMap((x) => (x.reward ? [x.reward.mean] : []));
  if (means.length > 0)
    console.log(`reward per step ${sparkline(means)}  (${means.map((m) => m.toFixed(2)).join(' ')})`);
  console.log(`chart: ${result.chart} · progress: ${flags.out}/train.json`);
  await announceRun(flags.out);
  if (result.interrupted) {
    console.log(
      paint('yellow', `! stopped after step ${s.steps.length}: run the same command again to resume`),
    );
    process.exitCode = 130;
  }
}
