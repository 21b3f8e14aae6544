/**
 * What the run page shows of a `palestra train` run, read from its folder's `train.json` with the
 * runtime's own reader and schema (`readState`), and its curves built by the same function the CLI's
 * reward-curve.html draws (`trainCurves`).
 */
import { existsSync } from 'node:fs';
import { PalestraError } from '@palestra/errors';
// Deep imports: `readState` and `trainCurves` are not (yet) exported by `@palestra/runtime`'s index.
import { readState, type Series, type StepRecord, statePath, trainCurves } from '@palestra/runtime';

/** One step of the run as the page's table and charts show it. */
export interface TrainStepRow {
  step: number;
  kind: StepRecord['kind'];
  /** The policy after the step (`NAME@STEP`). */
  trained: string;
  reward: StepRecord['reward'];
  eval: StepRecord['eval'];
  loss: number | null;
  kl: number | null;
  seconds: number | null;
  warnings: string[];
  recovered: boolean;
  faults: { environment: number; agent: number } | null;
}

/** A curve of the run, its points tagged with the kind of step (SFT warm-start or RL). */
export interface TrainCurve {
  label: string;
  points: Array<Series['points'][number] & { kind: StepRecord['kind'] | 'base' }>;
}

/** A readable training run. */
export interface TrainRunData {
  state: 'ok';
  env: string;
  algo: StepRecord['kind'];
  model: string;
  name: string;
  seed: number;
  group: number;
  episodesPerStep: number;
  baseTrainerStep: number;
  /** Warm-start SFT steps at the start of an RL run (steps 1 … sftSteps); 0 for none. */
  sftSteps: number;
  steps: TrainStepRow[];
  /** Held-out evaluation before any training, and after the last step that ran one. */
  evalBefore: StepRecord['eval'];
  evalAfter: (NonNullable<StepRecord['eval']> & { step: number }) | null;
  curves: { reward: TrainCurve; success: TrainCurve; kl: TrainCurve; loss: TrainCurve };
}

/** What the run page shows of a `palestra train` run: its data, or why its train.json cannot be read. */
export type TrainRunView = TrainRunData | TrainRunProblem;

/** A train.json that is there but cannot be read: the error as code, message and hint. */
export interface TrainRunProblem {
  state: 'unreadable';
  code: string;
  message: string;
  hint?: string;
}

function metric(r: StepRecord, name: string): number | null {
  const v = r.metrics?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The view of the training run in `dir`, `undefined` when it has no train.json, or the reader's
 * error (`TRAIN_STATE_UNREADABLE`, `TRAIN_STATE_INVALID`) when it has a broken one.
 *
 * @example
 * const view = await readTrainRun(found.dir);
 * if (view?.state === 'ok') view.curves.reward.points; // [{ x: 1, y: 0.25, lo, hi, kind: 'grpo' }, …]
 */
export async function readTrainRun(dir: string): Promise<TrainRunView | undefined> {
  if (!existsSync(statePath(dir))) return undefined;
  let state: ReturnType<typeof readState>;
  try {
    state = readState(dir);
  } catch (e) {
    if (e instanceof PalestraError)
      return { state: 'unreadable', code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    throw e;
  }
  if (!state) return undefined;
  const kindOf = new Map(state.steps.map((r) => [r.step, r.kind]));
  const curve = (s: Series): TrainCurve => ({
    label: s.label,
    points: s.points.map((p) => ({ ...p, kind: kindOf.get(p.x) ?? 'base' })),
  });
  const c = trainCurves(state);
  const lastEval = [...state.steps].reverse().find((r) => r.eval !== null);
  let sftSteps = 0;
  if (state.algo !== 'sft') while (state.steps[sftSteps]?.kind === 'sft') sftSteps++;
  return {
    state: 'ok',
    env: state.env,
    algo: state.algo,
    model: state.model,
    name: state.name,
    seed: state.seed,
    group: state.group,
    episodesPerStep: state.episodesPerStep,
    baseTrainerStep: state.baseTrainerStep,
    sftSteps,
    steps: state.steps.map((r) => ({
      step: r.step,
      kind: r.kind,
      trained: r.trained,
      reward: r.reward,
      eval: r.eval,
      loss: metric(r, 'loss'),
      // GRPO reports the KL to the reference (`kl`); PPO its approximate KL to the sampler (`approx_kl`).
      kl: metric(r, 'kl') ?? metric(r, 'approx_kl'),
      seconds: r.seconds,
      warnings: r.warnings ?? [],
      recovered: r.recovered === true,
      faults: r.faults ? { environment: r.faults.environment, agent: r.faults.agent } : null,
    })),
    evalBefore: state.eval0,
    evalAfter: lastEval?.eval ? { ...lastEval.eval, step: lastEval.step } : null,
    curves: { reward: curve(c.reward), success: curve(c.success), kl: curve(c.kl), loss: curve(c.loss) },
  };
}
