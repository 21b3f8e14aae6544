import {
  type Action,
  type AsyncEnvHandle,
  type Env,
  type EnvSnapshot,
  EnvStateError,
  type EpisodeError,
  faultOf,
  type InvalidAction,
  type Observation,
  PalestraError,
  type ResetResult,
  type RewardComponent,
  type StepResult,
} from '@palestra/envs/core';
import { type RecordedMove, recordTimeline, type TimelineRecord } from './recordTimeline.ts';
import { SimulatorError } from './simulatorError.ts';

/**
 * What the simulator drives: a core `Env` (expression environments, in the page) or a `WorkerEnv`
 * from `@palestra/envs/browser` (environments with modules, in a Web Worker), whose calls answer
 * later. Both have reset/step/snapshot/restore/recover.
 */
export interface SimulatorEnv extends AsyncEnvHandle {
  snapshot(): EnvSnapshot | Promise<EnvSnapshot>;
  restore(snapshot: EnvSnapshot): void | Promise<void>;
}

export interface SimulatorOptions {
  /** Written in the record's header. Default `human`. */
  agent?: string;
  /**
   * The environment's bundle root (its content root in the store), written in the record's header:
   * `palestra replay` finds the environment by it. `null` (the default) records no root.
   */
  root?: string | null;
  /**
   * Checks a tool's arguments as the kernel does (`Env.toEvent`). Default: the environment itself
   * when it is a core `Env`; with a `WorkerEnv`, pass an in-page `Env` of the same source.
   */
  validator?: Pick<Env, 'toEvent'>;
}

export interface SimulatorResetOptions {
  /** A task id, or a task index. Default: drawn from the seed. */
  task?: string | number;
  /** Default 0. */
  seed?: number;
}

/** One point of a timeline: after the reset (`step` 0) or after step `step`. */
export interface SimView {
  timeline: string;
  step: number;
  observation: Observation;
  /** The active states after this step, as dotted paths (what the canvas lights). */
  state: string[];
  /** The reward of the step that led here (0 at step 0), its micro-units and its components. */
  reward: number;
  rewardMicros: number;
  components: RewardComponent[];
  terminated: boolean;
  truncated: boolean;
  /** Set when the step's action was invalid (unknown tool, bad arguments): the machine did not move. */
  invalidAction?: InvalidAction;
  /**
   * Set when the step threw: the episode failed here (the observation and state are the previous
   * step's). `hint` is the typed error's advice, when it gave one (it is not part of the record).
   */
  error?: EpisodeError & { hint?: string };
  /** No step can follow: terminated, truncated or failed. */
  done: boolean;
}

/** The kernel's order errors: the env was used out of order, which is no failure of the episode played. */
const ORDER_CODES = new Set(['STEP_BEFORE_RESET', 'STEP_AFTER_END', 'STEP_AFTER_FAILURE', 'ENV_CLOSED']);

/** What `back()` did: moved one step back, or nothing at step 0. */
export type BackResult = { moved: true; view: SimView } | { moved: false; reason: string; view: SimView };

export interface TimelineSummary {
  id: string;
  /** Where it branched off: the parent timeline and the step shared with it (null for the first). */
  parent: { id: string; step: number } | null;
  /** Steps played on it (beyond `at` after stepping back). */
  length: number;
  /** The step it is at. */
  at: number;
  current: boolean;
}

/** A step once played: the action, the result (or the error) and the environment's snapshot after it. */
type Move = RecordedMove & { view: SimView; snapshot?: EnvSnapshot };

interface Timeline {
  id: string;
  parent: { id: string; step: number } | null;
  moves: Move[];
  at: number;
}

interface Episode {
  reset: ResetResult;
  seed: number;
  start: SimView;
  snapshot: EnvSnapshot;
  timelines: Map<string, Timeline>;
  current: Timeline;
  nextId: number;
}

/**
 * Plays an environment by hand, as the agent: step, step back, fork a second timeline from the
 * current step and switch between timelines, and record the current timeline as an episode record
 * that `palestra replay` verifies. Every step keeps the environment's snapshot after it, so going
 * back or switching restores one (no replay from the start). Calls run one after the other.
 *
 * Stepping back keeps the steps after the cursor (switch to them with `goTo`); a new step from an
 * earlier point replaces them on this timeline (`fork()` first to keep them).
 *
 * @example
 * const sim = new Simulator(await makeEnv(source));
 * await sim.reset({ task: '4x4', seed: 1 });
 * await sim.step({ tool: 'move', arguments: { direction: 'down' } });
 * await sim.back();
 * const other = await sim.fork();
 * const { text } = sim.record();
 */
export class Simulator {
  private episode: Episode | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly validator: Pick<Env, 'toEvent'> | undefined;

  constructor(
    readonly env: SimulatorEnv,
    private readonly options: SimulatorOptions = {},
  ) {
    this.validator =
      options.validator ?? ('toEvent' in env ? (env as unknown as Pick<Env, 'toEvent'>) : undefined);
  }

  /** One call at a time: a second click waits for the first step to finish. */
  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Starts a new episode: every timeline of the last one is dropped, and timeline `t1` begins. */
  reset(options: SimulatorResetOptions = {}): Promise<SimView> {
    return this.exclusive(async () => {
      const seed = options.seed ?? 0;
      const task = options.task;
      // A reset that throws leaves no episode: the last one's snapshots belong to an env state now gone.
      this.episode = undefined;
      const reset = await this.env.reset({
        seed,
        ...(typeof task === 'string'
          ? { taskId: task }
          : typeof task === 'number'
            ? { taskIndex: task }
            : {}),
      });
      const snapshot = await this.env.snapshot();
      const start: SimView = {
        timeline: 't1',
        step: 0,
        observation: reset.observation,
        state: reset.info.state,
        reward: 0,
        rewardMicros: 0,
        components: [],
        terminated: false,
        truncated: false,
        done: snapshot.status === 'ended',
      };
      const first: Timeline = { id: 't1', parent: null, moves: [], at: 0 };
      this.episode = {
        reset,
        seed,
        start,
        snapshot,
        timelines: new Map([[first.id, first]]),
        current: first,
        nextId: 2,
      };
      return start;
    });
  }

  /**
   * Plays one action on the current timeline. An invalid action is a step like any other (the view
   * carries `invalidAction`); an action the environment throws on ends the episode (`error`, and
   * the environment is recovered so that `back()` can go on from the step before).
   */
  step(action: Action): Promise<SimView> {
    return this.exclusive(async () => {
      const episode = this.started('step');
      const line = episode.current;
      const here = this.viewAt(line, line.at);
      if (here.done)
        throw here.error
          ? new EnvStateError(
              'STEP_AFTER_FAILURE',
              `the episode failed at step ${here.step}: ${here.error.message}`,
              {
                hint: 'step back (back()) or reset',
              },
            )
          : new EnvStateError('STEP_AFTER_END', `the episode ended at step ${here.step}`, {
              hint: 'step back (back()), switch timeline, or reset',
            });
      let outcome: { result: StepResult } | { error: PalestraError };
      try {
        outcome = { result: await this.env.step(action) };
      } catch (e) {
        // The environment used out of order behind the simulator's back: not the episode's failure.
        if (!(e instanceof PalestraError) || ORDER_CODES.has(e.code)) throw e;
        outcome = { error: e };
      }
      let move: Move;
      if ('result' in outcome) {
        const { result } = outcome;
        move = { action, result, view: this.viewOf(line.id, result), snapshot: await this.env.snapshot() };
      } else {
        const error = { code: outcome.error.code, message: outcome.error.message };
        const hint = outcome.error.hint;
        const failure = { ...error, fault: faultOf(error.code), ...(hint ? { hint } : {}) };
        move = { action, error, view: { ...here, step: here.step + 1, error: failure, done: true } };
      }
      line.moves.length = line.at;
      line.moves.push(move);
      line.at += 1;
      // A hang stops a WorkerEnv's worker: start a fresh one now, so back() can restore at once.
      if ('error' in outcome) await this.env.recover();
      return move.view;
    });
  }

  /** Restores the snapshot before the last step. At step 0 it does nothing and says so. */
  back(): Promise<BackResult> {
    return this.exclusive(async () => {
      const line = this.started('back').current;
      if (line.at === 0)
        return {
          moved: false,
          reason: 'already at the start of the episode (step 0): there is no step to go back over',
          view: this.viewAt(line, 0),
        };
      return { moved: true, view: await this.moveTo(line, line.at - 1) };
    });
  }

  /** Moves the current timeline's cursor to step `k` (0 … its length), restoring the snapshot there. */
  goTo(k: number): Promise<SimView> {
    return this.exclusive(async () => {
      const line = this.started('goTo').current;
      if (!Number.isInteger(k) || k < 0 || k > line.moves.length)
        throw new SimulatorError(
          'TIMELINE_STEP_OUT_OF_RANGE',
          `timeline ${line.id} has steps 0 to ${line.moves.length}, not ${k}`,
          { details: { timeline: line.id, step: k, length: line.moves.length } },
        );
      return this.moveTo(line, k);
    });
  }

  /**
   * A new timeline sharing the current one's steps up to its cursor, made current. From here the
   * two are independent: steps on one never change the other.
   */
  fork(): Promise<TimelineSummary> {
    return this.exclusive(async () => {
      const episode = this.started('fork');
      const from = episode.current;
      const id = `t${episode.nextId++}`;
      const moves = from.moves.slice(0, from.at).map((m) => ({ ...m, view: { ...m.view, timeline: id } }));
      const line: Timeline = { id, parent: { id: from.id, step: from.at }, moves, at: from.at };
      episode.timelines.set(id, line);
      episode.current = line;
      return this.summary(line);
    });
  }

  /** Makes timeline `id` current, restoring the environment at its cursor. */
  switchTo(id: string): Promise<SimView> {
    return this.exclusive(async () => {
      const episode = this.started('switchTo');
      const line = episode.timelines.get(id);
      if (!line)
        throw new SimulatorError('TIMELINE_NOT_FOUND', `there is no timeline "${id}"`, {
          details: { timeline: id, timelines: [...episode.timelines.keys()] },
          hint: `the timelines are: ${[...episode.timelines.keys()].join(', ')}`,
        });
      episode.current = line;
      return this.moveTo(line, line.at);
    });
  }

  /** Every timeline of the episode, in the order they were made. */
  timelines(): TimelineSummary[] {
    return this.episode ? [...this.episode.timelines.values()].map((t) => this.summary(t)) : [];
  }

  /** The current point: timeline, step, observation, state. */
  view(): SimView {
    const line = this.started('view').current;
    return this.viewAt(line, line.at);
  }

  /** The states visited on the current timeline, from the reset to its cursor (a failed step adds none). */
  path(): { step: number; state: string[] }[] {
    const line = this.started('path').current;
    const points = [{ step: 0, state: this.episode!.start.state }];
    for (const m of line.moves.slice(0, line.at))
      if (!m.view.error) points.push({ step: m.view.step, state: m.view.state });
    return points;
  }

  /**
   * The current timeline, reset to cursor, as an episode record (`EpisodeWriter`'s lines): save
   * `text` as an `episode-….jsonl` in a run folder and `palestra replay` verifies it.
   */
  record(): TimelineRecord {
    const episode = this.started('record');
    const line = episode.current;
    const spec = this.env.spec;
    return recordTimeline(
      {
        spec: { name: spec.name, version: spec.version, root: this.options.root ?? null },
        seed: episode.seed,
        agent: this.options.agent ?? 'human',
      },
      episode.reset,
      line.moves.slice(0, line.at),
    );
  }

  /**
   * Why these arguments would be refused by `tool` (the kernel's own check, `Env.toEvent`: its
   * JSON schema, with ajv), or `undefined` if they would be accepted. `fields` splits the message
   * by argument for a form (`(arguments)` for the object as a whole).
   */
  argumentErrors(
    tool: string,
    args: Record<string, unknown>,
  ): (InvalidAction & { fields: { path: string; message: string }[] }) | undefined {
    if (!this.validator)
      throw new SimulatorError('NO_VALIDATOR', 'the simulator has no validator for arguments', {
        hint: 'pass `validator` (an in-page Env of the same source) to the Simulator',
      });
    const r = this.validator.toEvent({ tool, arguments: args });
    if ('type' in r) return undefined;
    const invalid = r as InvalidAction;
    const prefix = `invalid arguments for ${tool}: `;
    const fields =
      invalid.code === 'INVALID_ARGUMENTS' && invalid.message.startsWith(prefix)
        ? invalid.message
            .slice(prefix.length)
            .split('; ')
            .map((part) => {
              const space = part.indexOf(' ');
              return { path: part.slice(0, space), message: part.slice(space + 1) };
            })
        : [];
    return { code: invalid.code, message: invalid.message, fields };
  }

  private started(what: string): Episode {
    if (!this.episode)
      throw new EnvStateError('STEP_BEFORE_RESET', `${what}() was called before reset()`, {
        hint: 'reset({ task, seed }) first',
      });
    return this.episode;
  }

  /** The view after a step that returned. */
  private viewOf(timeline: string, r: StepResult): SimView {
    return {
      timeline,
      step: r.info.step,
      observation: r.observation,
      state: r.info.state,
      reward: r.reward,
      rewardMicros: r.info.rewardMicros,
      components: r.info.rewardComponents,
      terminated: r.terminated,
      truncated: r.truncated,
      ...(r.info.invalidAction ? { invalidAction: r.info.invalidAction } : {}),
      done: r.terminated || r.truncated,
    };
  }

  private viewAt(line: Timeline, k: number): SimView {
    return k === 0 ? { ...this.episode!.start, timeline: line.id } : line.moves[k - 1]!.view;
  }

  /**
   * Sets the cursor to `k` and restores the environment there: the snapshot after step k, or, at a
   * failed step (no snapshot), the one before it, so that stepping back from it needs nothing else.
   */
  private async moveTo(line: Timeline, k: number): Promise<SimView> {
    let j = k;
    while (j > 0 && !line.moves[j - 1]!.snapshot) j -= 1;
    const snapshot = j === 0 ? this.episode!.snapshot : line.moves[j - 1]!.snapshot!;
    await this.env.restore(snapshot);
    line.at = k;
    return this.viewAt(line, k);
  }

  private summary(line: Timeline): TimelineSummary {
    return {
      id: line.id,
      parent: line.parent,
      length: line.moves.length,
      at: line.at,
      current: this.episode?.current === line,
    };
  }
}
