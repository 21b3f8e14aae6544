import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EnvSource, type Episode, PalestraError, readEpisode, taskIndices } from '@palestra/envs';
import { openaiAgent } from '../agents/openai.ts';
import { readScript, scriptedAgent } from '../agents/scripted.ts';
import { evaluate } from '../eval/evaluate.ts';
import { episodeComplete, succeeded } from '../play/outcome.ts';
import type { EpisodePlan } from '../rollout/plan.ts';
import { planGroups } from '../rollout/plan.ts';
import { requireRewardBounds } from '../rollout/rewardBounds.ts';
import { type RolloutProgress, rollout } from '../rollout/rollout.ts';
import { meanStd } from '../rollout/summary.ts';
import { checkFaultShare } from './batch.ts';
import { rewardCurveHtml } from './chart.ts';
import {
  readState,
  type StepRecord,
  TRAIN_STATE_VERSION,
  type TrainState,
  writeState,
} from './checkpoint.ts';
import { episodeConversation, type SftConversation } from './conversations.ts';
import { modelDefaults, settingsLine } from './defaults.ts';
import { groupSpread, newWarnings, type TrainWarning } from './health.ts';
import type { TrainingRow } from './rows.ts';
import { scoreStep } from './scoreStep.ts';
import { startTrainer, type TrainAlgo, type TrainerOptions, type TrainerService } from './service.ts';

export interface TrainOptions {
  source: EnvSource;
  /** `sft` trains on the warm-start transcripts only; `grpo`/`ppo` on the policy's own rollouts. */
  algo: TrainAlgo;
  /** A local Hugging Face model folder, or `tiny`. */
  model: string;
  /** The policy's name (answers say `NAME@STEP`). Default: the environment's name. */
  name?: string;
  /** LoRA rank. Default: by model size (`modelDefaults`: 16 for `tiny`, 8 for a model folder). */
  loraRank?: number;
  /** Modules LoRA adapts. Default: by model size (`tiny` adds `lm_head`; otherwise the service's choice, every attention and MLP projection). */
  targetModules?: string[];
  /** Optimisation steps of `algo` (after the warm start). */
  steps: number;
  /** Episodes per group: same task, same environment seed (GRPO compares them). */
  group: number;
  /** Episodes per step, rounded up to whole groups. Default: one group per training task. */
  episodesPerStep?: number;
  /**
   * Transcripts to imitate before (or, with `algo: 'sft'`, instead of) RL: a scripted-actions file
   * (list i is played on the i-th training task) or a folder of recorded episodes.
   */
  warmStart?: string;
  /** SFT steps on the warm-start transcripts before `grpo`/`ppo`. Default with a warm start: by model size (300 for `tiny`, 4 otherwise), else 0. */
  sftSteps?: number;
  /** Evaluate on the held-out tasks before training and after every k-th step. Default 0 (never). */
  evalEvery?: number;
  /** Held-out episodes per task at each evaluation. Default 4. */
  evalEpisodesPerTask?: number;
  /** Model calls in flight at once. Default 8. */
  concurrency?: number;
  seed?: number;
  /** Run folder: `train.json`, `reward-curve.html`, each step's episodes, the trainer's adapters. */
  out: string;
  gpu?: 'auto' | 'cpu' | 'cuda';
  quantize?: 'none' | 'nf4';
  /** Algorithm options, sent as `/train`'s config (TRL's names for GRPO: `learning_rate`, `beta`, …), laid over the model size's defaults. */
  config?: Record<string, unknown>;
  /** Options of the warm-start SFT steps. */
  sftConfig?: Record<string, unknown>;
  /** Sampling temperature of training rollouts. Default 1. Evaluation is greedy. */
  temperature?: number;
  /** Tokens per model turn. Default: by model size (48 for `tiny`, 128 otherwise). */
  maxTokens?: number;
  /** `rules` (default), an overseer config file, or `none` (the environment's rewards). */
  overseer?: string;
  /** Stops the run after the current phase: finished steps are kept, a rerun resumes. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** The trainer's python (default: the `trainer` use of runtime/src/python, installed on first use). */
  python?: string;
  /** The trainer's stderr lines and install progress. */
  log?: (line: string) => void;
}

export type TrainPhase = 'warm-start' | 'rollout' | 'score' | 'train' | 'eval';

export type TrainEvent =
  | { kind: 'start'; total: number; done: number; policy: string; device: string; settings: string }
  | { kind: 'phase'; step: number; phase: TrainPhase; done?: number; total?: number }
  | { kind: 'step'; record: StepRecord; state: TrainState }
  /** The run shows a sign of learning nothing (zero-variance groups, zero loss, a flat reward). */
  | { kind: 'warning'; step: number; warning: TrainWarning };

export interface TrainResult {
  state: TrainState;
  /** True when the run stopped (signal) before its last step. */
  interrupted: boolean;
  chart: string;
}

type StepKind = StepRecord['kind'];

/** The run's schedule: warm-start SFT steps, then the algorithm's steps. */
export function schedule(algo: TrainAlgo, steps: number, sftSteps: number): StepKind[] {
  if (algo === 'sft') return Array.from({ length: steps }, () => 'sft');
  return [
    ...Array.from({ length: sftSteps }, () => 'sft' as const),
    ...Array.from({ length: steps }, () => algo),
  ];
}

const stepDir = (out: string, step: number) => join(out, 'steps', `step-${String(step).padStart(4, '0')}`);

/** Complete episode files of a folder (recursively), sorted. */
function episodeFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...episodeFiles(path));
    else if (name.endsWith('.jsonl')) files.push(path);
  }
  return files;
}

/**
 * The warm-start transcripts as SFT conversations. A scripted-actions file is played on the
 * training tasks (list i on the i-th training task, in task order) into `out/warm-start/`; a
 * folder is read as recorded episodes (complete ones only).
 */
async function warmStartConversations(
  source: EnvSource,
  warmStart: string,
  out: string,
  seed: number,
  signal: AbortSignal | undefined,
): Promise<SftConversation[]> {
  if (!existsSync(warmStart))
    throw new PalestraError('WARM_START_MISSING', `--warm-start ${warmStart} does not exist`, {
      hint: 'give a scripted-actions JSON file ({"episodes": [[...], ...]}, one list per training task) or a folder of episode files',
    });
  let episodes: Episode[];
  if (statSync(warmStart).isDirectory()) {
    episodes = episodeFiles(warmStart)
      .map((f) => readEpisode(f))
      .filter((e) => e.complete && !e.footer?.error);
  } else {
    const dir = join(out, 'warm-start');
    mkdirSync(dir, { recursive: true });
    const lists = readScript(warmStart).length; // fails fast on a bad file
    let tasks = taskIndices(source.spec, 'train');
    if (tasks.length === 0) tasks = taskIndices(source.spec, 'all');
    // List i demonstrates training task i; a file with more lists than tasks demonstrates them
    // again in the same order (list n + i on task i), e.g. a right and a wrong answer for each.
    const plans: EpisodePlan[] = Array.from({ length: Math.max(tasks.length, lists) }, (_, i) => {
      const taskIndex = tasks[i % tasks.length]!;
      return {
        index: i,
        group: i,
        member: 0,
        taskIndex,
        seed,
        agentSeed: seed,
        file: join(
          dir,
          `demo-${String(i).padStart(6, '0')}-task-${String(taskIndex).padStart(6, '0')}.jsonl`,
        ),
      };
    });
    const result = await rollout(source, {
      plans,
      agent: () => scriptedAgent(warmStart),
      ...(signal ? { signal } : {}),
    });
    if (result.interrupted) return [];
    // Failed transcripts (a recorded failure) are not worth imitating.
    episodes = result.episodes.filter(episodeComplete).map((e) => readEpisode(e.file));
  }
  if (episodes.length === 0)
    throw new PalestraError(
      'WARM_START_EMPTY',
      `--warm-start ${warmStart} gave no complete episode to imitate`,
      {
        hint: 'check the transcripts: episodes must be complete (a footer) and free of environment errors',
      },
    );
  return episodes.map((e) => episodeConversation(e, source.spec.tools));
}

/**
 * Whether the held-out evaluation runs after step `k` (1-based) of `plan`: every `evalEvery`-th
 * step of the algorithm, counted from the end of the warm start, the warm start's last step (what
 * imitation alone reached), and the run's last step. Warm-start SFT steps are many and short: they
 * are not evaluated one by one.
 *
 * @example
 * evaluatesAfter(['sft', 'sft', 'grpo', 'grpo'], 2, 2) // true: the warm start ended
 */
export function evaluatesAfter(plan: StepKind[], k: number, evalEvery: number): boolean {
  // Leading SFT steps before the algorithm's (none when the whole run is SFT).
  const warm = plan.every((s) => s === 'sft') ? 0 : plan.findIndex((s) => s !== 'sft');
  if (k === plan.length || (warm > 0 && k === warm)) return true;
  return k > warm && (k - warm) % evalEvery === 0;
}

/**
 * The GRPO/PPO config sent to `/train` for rollouts sampled at `temperature`. As in TRL, the loss
 * scales the logits by the sampling temperature (unless the config names its own); the sampler
 * reports raw log-probabilities (temperature 1, vLLM's default), so when the loss's temperature is
 * not 1 the ratio's denominator is recomputed by the trainer (unless the config says otherwise):
 * raw log-probabilities over scaled ones would make every ratio wrong.
 *
 * @example
 * rlConfig({ beta: 0.04 }, 0.7) // { beta: 0.04, temperature: 0.7, old_logprobs: 'recompute' }
 */
export function rlConfig(config: Record<string, unknown>, temperature: number): Record<string, unknown> {
  const t = (config.temperature as number | undefined) ?? temperature;
  return {
    ...config,
    temperature: t,
    ...(t !== 1 && config.old_logprobs === undefined ? { old_logprobs: 'recompute' } : {}),
  };
}

/**
 * The training loop (`palestra train`): starts the trainer service, and for each step plays grouped
 * rollouts of the training tasks with the `openai` agent against the service's current policy
 * (`NAME@STEP`), scores them with the overseer, turns them into token-in/token-out rows, and sends
 * one `/train` step; the service hot-swaps to the new adapter. Warm-start SFT steps on recorded
 * transcripts come first. Training never pays for breaking the environment (`stepBatch`): an
 * episode the agent broke trains with the worst reward of its group, one the environment broke is
 * left out and counted in the step's `faults`, and a step where the environment broke more than
 * `MAX_FAULT_SHARE` of the episodes fails (`TRAIN_ENVIRONMENT_FAULTS`). The spec must declare
 * `reward.bounds` (`REWARD_BOUNDS_REQUIRED` otherwise, before anything starts). Every `evalEvery`
 * steps the policy plays the held-out tasks through `evaluate()` (palestra eval's engine).
 *
 * Crash safety: `train.json` is rewritten after every step and the service persists its adapter
 * in the same folder, so a rerun skips finished steps, resumes a step's rollouts where they
 * stopped, and — if the service finished a step the loop had not recorded — records it instead of
 * training it twice.
 *
 * @example
 * await train({ source: loadCatalog('echo-target'), algo: 'grpo', model: 'tiny', loraRank: 8, steps: 10, group: 8, out: 'runs/echo' });
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { source, out, signal } = options;
  const seed = options.seed ?? 0;
  const name = options.name ?? source.spec.name;
  // Defaults by model size (defaults.ts): the tiny model learns nothing at TRL's rates.
  const defaults = modelDefaults(options.model);
  const loraRank = options.loraRank ?? defaults.loraRank;
  const targetModules = options.targetModules ?? defaults.targetModules;
  const maxTokens = options.maxTokens ?? defaults.maxTokens;
  const algoConfig = { ...defaults.config[options.algo], ...options.config };
  const sftConfig = { ...defaults.config.sft, ...options.sftConfig };
  const sftSteps =
    options.algo === 'sft' ? 0 : (options.sftSteps ?? (options.warmStart ? defaults.sftSteps : 0));
  const settings = settingsLine({
    profile: defaults.profile,
    loraRank,
    targetModules,
    sftSteps,
    maxTokens,
    algo: options.algo,
    config: algoConfig,
    sftConfig,
  });
  if (options.algo === 'sft' && !options.warmStart)
    throw new PalestraError(
      'WARM_START_REQUIRED',
      '--algo sft trains on recorded transcripts: give --warm-start',
      {
        hint: 'e.g. --warm-start examples/echo-phrasings-demos.json (scripted actions, one list per training task) or --warm-start runs/expert/',
      },
    );
  if ((options.temperature ?? 1) <= 0 && options.algo !== 'sft')
    throw new PalestraError(
      'TRAIN_TEMPERATURE_INVALID',
      '--temperature must be > 0 for GRPO/PPO: groups need varied samples',
      {
        details: { temperature: options.temperature },
        hint: 'pass --temperature 1 (the default) or another positive value; evaluation is greedy whatever it says',
      },
    );
  if (sftSteps > 0 && !options.warmStart)
    throw new PalestraError(
      'WARM_START_REQUIRED',
      '--sft-steps needs --warm-start (the transcripts to imitate)',
    );
  // An episode the agent broke is scored below the declared minimum return: no bounds, no such score.
  const bounds = requireRewardBounds(source.spec, 'train');
  const plan = schedule(options.algo, options.steps, sftSteps);
  let trainTasks = taskIndices(source.spec, 'train');
  if (trainTasks.length === 0) trainTasks = taskIndices(source.spec, 'all');
  const episodesPerStep =
    Math.ceil((options.episodesPerStep ?? options.group * trainTasks.length) / options.group) * options.group;
  const groupsPerStep = episodesPerStep / options.group;
  const overseer = options.overseer ?? 'rules';
  const emit = (e: TrainEvent) => options.onEvent?.(e);
  mkdirSync(out, { recursive: true });

  const previous = readState(out);
  const identity = {
    env: `${source.spec.name}@${source.spec.version}`,
    algo: options.algo,
    model: options.model,
    name,
    seed,
    group: options.group,
    episodesPerStep,
  };
  if (previous) {
    const differs = (Object.keys(identity) as (keyof typeof identity)[]).filter(
      (k) => previous[k] !== identity[k],
    );
    if (differs.length > 0)
      throw new PalestraError(
        'TRAIN_MISMATCH',
        `${out} holds a training run with other options: ${differs.map((k) => `${k} ${previous[k]} (now ${identity[k]})`).join(', ')}`,
        {
          details: { out },
          hint: 'rerun with the same options to resume it (only --steps may grow), or use a new --out',
        },
      );
    for (const [i, r] of previous.steps.entries())
      if (r.kind !== plan[i] && i < plan.length)
        throw new PalestraError(
          'TRAIN_MISMATCH',
          `${out}: step ${r.step} was ${r.kind}, the schedule now makes it ${plan[i]}`,
          {
            hint: 'keep --sft-steps and --warm-start as they were when resuming, or use a new --out',
          },
        );
  }

  const trainerOptions: TrainerOptions = {
    model: options.model,
    name,
    loraRank,
    out: join(out, 'trainer'),
    seed,
    ...(targetModules ? { targetModules } : {}),
    ...(options.gpu ? { gpu: options.gpu } : {}),
    ...(options.quantize ? { quantize: options.quantize } : {}),
    ...(options.python ? { python: options.python } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  const trainer: TrainerService = await startTrainer(trainerOptions);
  const chartPath = join(out, 'reward-curve.html');
  const save = (s: TrainState) => {
    writeState(out, s);
    writeFileSync(chartPath, rewardCurveHtml(s));
  };
  try {
    let health = await trainer.health();
    const state: TrainState = previous ?? {
      v: TRAIN_STATE_VERSION,
      ...identity,
      baseTrainerStep: health.step,
      eval0: null,
      steps: [],
    };
    // The service persists its step with its adapter; the loop records a step after the service finished it.
    const expected = state.baseTrainerStep + state.steps.length;
    if (health.step === expected + 1 && state.steps.length < plan.length) {
      const k = state.steps.length + 1;
      const record: StepRecord = {
        step: k,
        kind: plan[k - 1]!,
        policy: `${name}@${health.step - 1}`,
        trained: health.policy,
        adapter: health.adapter ?? null,
        metrics: null,
        reward: null,
        eval: null,
        rows: null,
        seconds: null,
        recovered: true,
      };
      state.steps.push(record);
      save(state);
      emit({ kind: 'step', record, state });
    } else if (health.step !== expected)
      throw new PalestraError(
        'TRAINER_STATE_MISMATCH',
        `the trainer in ${trainerOptions.out} is at step ${health.step}, but ${join(out, 'train.json')} expects ${expected}`,
        {
          details: { trainerStep: health.step, expected },
          hint: 'the two were changed separately; train into a new --out folder',
        },
      );
    save(state);
    emit({
      kind: 'start',
      total: plan.length,
      done: state.steps.length,
      policy: health.policy,
      device: health.device,
      settings,
    });

    const agentFor = (policy: string, temperature: number) =>
      openaiAgent({
        model: policy,
        baseURL: trainer.baseURL,
        temperature,
        maxTokens,
        logprobs: true,
        // Reproducible rollouts: the trainer's sampler seeds each request (member and turn differ).
        seedRequests: true,
        timeoutMs: 600_000,
      });
    const evalPolicy = async (policy: string, label: string, step: number) => {
      emit({ kind: 'phase', step, phase: 'eval' });
      const report = await evaluate(source, {
        agent: { label, make: () => agentFor(policy, 0) },
        episodesPerTask: options.evalEpisodesPerTask ?? 4,
        seed,
        out: join(out, 'eval'),
        concurrency: options.concurrency ?? 8,
        resamples: 200,
        ...(signal ? { signal } : {}),
        onProgress: (_l, done, total) => emit({ kind: 'phase', step, phase: 'eval', done, total }),
      });
      return {
        successRate: report.a.successRate.estimate,
        meanReturn: report.a.meanReturn.estimate,
        episodes: report.a.episodes,
      };
    };

    const evalEvery = options.evalEvery ?? 0;
    if (evalEvery > 0 && state.eval0 === null && state.steps.length === 0) {
      const e = await evalPolicy(health.policy, 'step-0000', 0);
      if (signal?.aborted) return { state, interrupted: true, chart: chartPath };
      state.eval0 = e;
      save(state);
    }

    let sft: SftConversation[] | undefined;
    for (let k = state.steps.length + 1; k <= plan.length; k++) {
      if (signal?.aborted) return { state, interrupted: true, chart: chartPath };
      const kind = plan[k - 1]!;
      const started = performance.now();
      const policy = health.policy;
      let rows: TrainingRow[] | undefined;
      let reward: StepRecord['reward'] = null;
      let faults: StepRecord['faults'];
      let groups: StepRecord['groups'];
      const config = kind === 'sft' && options.algo !== 'sft' ? sftConfig : algoConfig;
      let done: Awaited<ReturnType<TrainerService['train']>>;
      if (kind === 'sft') {
        emit({ kind: 'phase', step: k, phase: 'warm-start' });
        sft ??= await warmStartConversations(source, options.warmStart!, out, seed, signal);
        if (signal?.aborted) return { state, interrupted: true, chart: chartPath };
        emit({ kind: 'phase', step: k, phase: 'train' });
        done = await trainer.train({ algo: 'sft', config, conversations: sft });
      } else {
        const dir = stepDir(out, k);
        mkdirSync(dir, { recursive: true });
        const plans = planGroups(source.spec, {
          episodes: episodesPerStep,
          group: options.group,
          seed: seed + (k - 1) * groupsPerStep,
          out: dir,
        });
        const agent = agentFor(policy, options.temperature ?? 1);
        emit({ kind: 'phase', step: k, phase: 'rollout', done: 0, total: plans.length });
        const result = await rollout(source, {
          plans,
          agent: () => agent,
          concurrency: options.concurrency ?? 8,
          ...(signal ? { signal } : {}),
          onProgress: (p: RolloutProgress) =>
            // Failed episodes are finished too (the rollout counts them apart from `done`).
            emit({ kind: 'phase', step: k, phase: 'rollout', done: p.done + p.failed, total: p.total }),
        });
        if (result.interrupted) return { state, interrupted: true, chart: chartPath };
        // An agent turn that failed after its retries is the endpoint failing, not an outcome to learn from.
        const unanswered = result.episodes.filter(
          (e) => e.status === 'failed' && e.failure?.fault !== 'environment',
        );
        if (unanswered.length > 0)
          throw new PalestraError(
            'ROLLOUT_FAILED',
            `step ${k}: ${unanswered.length} episode(s) failed, e.g. ${unanswered[0]!.file}: ${unanswered[0]!.error}`,
            {
              hint: `the policy endpoint failed; the trainer's stderr:\n${trainer.stderrTail()}\nfix the cause and rerun the same command`,
            },
          );
        emit({ kind: 'phase', step: k, phase: 'score' });
        const batch = await scoreStep(result.episodes, { source, overseer, group: options.group, bounds });
        // Too many environment faults: the environment needs fixing before it can teach anything.
        checkFaultShare(source.spec.name, k, batch);
        rows = batch.rows;
        const { mean, std } = meanStd(batch.episodes.map((e) => e.reward));
        const trainedOn = new Set(batch.episodes.map((e) => e.file));
        const kept = result.episodes.filter((o) => trainedOn.has(o.file));
        reward = {
          mean,
          std,
          episodes: batch.episodes.length,
          success: kept.length === 0 ? 0 : kept.filter(succeeded).length / kept.length,
        };
        groups = groupSpread(batch.episodes);
        faults = {
          agent: batch.faults.agent,
          environment: batch.faults.environment,
          codes: batch.faults.codes,
        };
        emit({ kind: 'phase', step: k, phase: 'train' });
        done = await trainer.train({ algo: kind, config: rlConfig(config, options.temperature ?? 1), rows });
      }
      health = await trainer.health();
      const record: StepRecord = {
        step: k,
        kind,
        policy,
        trained: done.policy,
        adapter: done.adapter,
        metrics: done.metrics,
        reward,
        eval: null,
        rows: rows?.length ?? (sft ? sft.length : null),
        seconds: (performance.now() - started) / 1000,
        ...(faults ? { faults } : {}),
        ...(groups ? { groups } : {}),
      };
      const warnings = newWarnings([...state.steps, record]);
      if (warnings.length > 0) record.warnings = warnings.map((w) => w.code);
      // Recorded before evaluating: the step is trained, whatever happens to the evaluation.
      state.steps.push(record);
      save(state);
      if (evalEvery > 0 && evaluatesAfter(plan, k, evalEvery)) {
        record.eval = await evalPolicy(done.policy, `step-${String(k).padStart(4, '0')}`, k);
        if (signal?.aborted) record.eval = null;
        save(state);
      }
      emit({ kind: 'step', record, state });
      for (const warning of warnings) emit({ kind: 'warning', step: k, warning });
    }
    return { state, interrupted: false, chart: chartPath };
  } finally {
    await trainer.stop();
  }
}
