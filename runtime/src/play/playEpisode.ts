import {
  type Action,
  type EnvHandle,
  type EnvSnapshot,
  type EpisodeWriter,
  faultOf,
  type Observation,
  PalestraError,
  type ResetInfo,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type ToolSpec,
} from '@palestra/envs';
import type { Agent, TurnRecord } from '../agents/agent.ts';
import { callAgent } from '../rollout/callAgent.ts';
import { failureOfError, type OutcomeFailure } from '../rollout/failure.ts';
import type { Limiter } from './limiter.ts';
import type { EpisodeStatus } from './outcome.ts';

/** The state after `step` steps of an episode, restorable exactly (`env.snapshot()`). */
export interface EpisodeState {
  snapshot: EnvSnapshot;
  /** What the agent sees there. */
  observation: Observation;
  step: number;
  /** Return of steps 1..step, micro-units. */
  prefixMicros: number;
}

/**
 * Where a played episode's lines go: an `EpisodeWriter` (a hash-chained file), or anything with
 * its three methods. `close` writes the footer when the episode ended, and leaves it truncated
 * otherwise.
 */
export type EpisodeRecorder = Pick<EpisodeWriter, 'step' | 'failStep' | 'close'>;

/** Where an episode starts. */
export type EpisodeStart =
  /**
   * A new episode: `env.reset(reset)`; with `record`, each step goes to the recorder it opens on
   * the reset (an episode file: `(r) => new EpisodeWriter(file, meta, r)`).
   */
  | { reset: ResetOptions; record?: (reset: ResetResult) => EpisodeRecorder }
  /** The middle of an episode: `env.restore(state.snapshot)`; `info` is the episode's reset info. Nothing is written. */
  | { restore: EpisodeState; info: ResetInfo };

/** How agent turns are called (`callAgent`), and when to stop. */
export interface TurnSettings {
  /** Stops at the next turn (or during one): episodes end `interrupted`. */
  signal?: AbortSignal;
  /** Deadline of one agent turn attempt, in ms. Default: none. */
  timeoutMs?: number;
  /** Retries of a failed agent turn (a failed step is never retried). Default 3. */
  retries?: number;
  /** First retry backoff in ms, doubling each time. Default 250. */
  backoffMs?: number;
}

export interface PlayEpisodeOptions extends TurnSettings {
  /** A handle of the episode's environment, in any state: the start resets or restores it. */
  env: EnvHandle;
  /** A fresh agent (agents keep per-episode state, such as a conversation). */
  agent: Agent;
  tools: ToolSpec[];
  start: EpisodeStart;
  /** The episode's index in its run: `agent.startEpisode(episodeIndex, agentSeed)`, and every turn's `episodeIndex`. */
  episodeIndex: number;
  agentSeed: number;
  /** Agent turns hold a slot of it (the run's cap on model calls in flight). */
  limiter?: Limiter;
  /** An agent turn answered after `ms` (retries and waits for the limiter included); its actions are stepped next. */
  onTurn?: (ms: number) => void;
  /** A step was played. */
  onStep?: (result: StepResult) => void;
  /** A turn's actions were all stepped and the episode goes on. */
  onTurnPlayed?: () => void;
}

/** What an episode adds up to. */
export interface EpisodeTally {
  /** Return in micro-units (exact), of the steps played (and, from a restored state, of the steps before it). */
  returnMicros: number;
  /** Steps of the episode. */
  length: number;
  terminated: boolean;
  truncated: boolean;
  invalidActions: number;
  /** Agent turns (model calls that succeeded). */
  turns: number;
  retries: number;
  usage: { promptTokens: number; completionTokens: number };
  /** Set when the episode failed: the error that stopped it, whose fault, and whether its file records it. */
  failure?: OutcomeFailure;
}

/**
 * How a play went. `returnMicros` and `length` are the whole episode's (a restored start's prefix
 * included); `invalidActions`, `turns`, `retries` and `usage` count this play only.
 */
export interface PlayOutcome extends EpisodeTally {
  /** `complete` (ended: by its rules, or by a failed step), `interrupted` (the signal), or `failed` (no action, or no environment). */
  status: Extract<EpisodeStatus, 'complete' | 'interrupted' | 'failed'>;
  /** The episode's reset info (absent when it never started). */
  info?: ResetInfo;
  /** The action whose step failed (absent when the agent gave none). */
  failedAction?: Action;
}

/** The tokens a turn record says it used (0 when it does not say, or there is no record). */
export function usageOf(turn: TurnRecord | undefined): { promptTokens: number; completionTokens: number } {
  const u = turn?.usage;
  return { promptTokens: u?.promptTokens ?? 0, completionTokens: u?.completionTokens ?? 0 };
}

/** An outcome with nothing played: where a play starts, or an episode that failed before it could start. */
export function unplayed(status: PlayOutcome['status'], failure?: OutcomeFailure): PlayOutcome {
  return {
    status,
    returnMicros: 0,
    length: 0,
    terminated: false,
    truncated: false,
    invalidActions: 0,
    turns: 0,
    retries: 0,
    usage: { promptTokens: 0, completionTokens: 0 },
    ...(failure ? { failure } : {}),
  };
}

/**
 * Plays one episode, turn by turn, to its end: the agent's turn (with retries, a per-attempt
 * deadline and a slot of the limiter), then each of its actions stepped in order.
 *
 * - **Start**: from a reset (written to an episode file when `record` is given) or from a
 *   restored state (a branch point; nothing written).
 * - **Failures**: an agent that still fails after its retries fails the episode (`failed`, no
 *   action recorded: a rerun plays it again). A step that throws a `PalestraError` (the
 *   environment's code, a reward out of bounds, an oversized action) ends the episode: the
 *   failure and the action are in the outcome (and in the file: replay reproduces the error), and
 *   the handle is recovered. It is never retried: it would fail the same way.
 * - **Abort**: at the signal the episode stops where it is (`interrupted`); its file, if any,
 *   stays valid but truncated.
 *
 * Anything else (a reset or restore that throws, an error that is not a `PalestraError`) is
 * thrown: the handle may be in any state, and the caller replaces it.
 *
 * @example
 * const o = await playEpisode({ env, agent, tools: spec.tools, start: { reset: { seed: 7 } }, episodeIndex: 0, agentSeed: 7 });
 * succeeded(o) // terminated with a positive return
 */
export async function playEpisode(options: PlayEpisodeOptions): Promise<PlayOutcome> {
  const { env, agent, start, signal } = options;
  agent.startEpisode?.(options.episodeIndex, options.agentSeed);
  const o = unplayed('complete');
  let observation: Observation;
  let recorder: EpisodeRecorder | undefined;
  if ('reset' in start) {
    const reset = env.reset(start.reset);
    recorder = start.record?.(reset);
    o.info = reset.info;
    observation = reset.observation;
  } else {
    env.restore(start.restore.snapshot);
    o.info = start.info;
    observation = start.restore.observation;
    o.length = start.restore.step;
    o.returnMicros = start.restore.prefixMicros;
  }
  const info = o.info;
  try {
    for (;;) {
      if (signal?.aborted) {
        o.status = 'interrupted';
        return o;
      }
      let result: Awaited<ReturnType<typeof callAgent>>;
      const turnStarted = performance.now();
      try {
        result = await callAgent(
          agent,
          {
            observation,
            tools: options.tools,
            episode: info,
            step: o.length,
            episodeIndex: options.episodeIndex,
          },
          {
            ...(options.limiter ? { limiter: options.limiter } : {}),
            ...(signal ? { signal } : {}),
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
            retries: options.retries ?? 3,
            backoffMs: options.backoffMs ?? 250,
            onRetry: () => {
              o.retries++;
            },
          },
        );
      } catch (e) {
        if (signal?.aborted) o.status = 'interrupted';
        else {
          // No action to record: a file stays truncated, and a rerun plays the episode again.
          o.status = 'failed';
          o.failure = failureOfError(e, 'agent');
        }
        return o;
      }
      o.turns++;
      options.onTurn?.(performance.now() - turnStarted);
      const u = usageOf(result.turn);
      o.usage.promptTokens += u.promptTokens;
      o.usage.completionTokens += u.completionTokens;
      let first = true;
      for (const action of result.actions.length > 0 ? result.actions : [{ text: '' }]) {
        // The turn record goes beside the first step it caused (or on the failure line).
        const turn = first ? result.turn : undefined;
        let r: StepResult;
        try {
          r = env.step(action);
        } catch (e) {
          if (!(e instanceof PalestraError)) throw e;
          o.failure = recorder
            ? failureOfLine(recorder.failStep(action, e, turn))
            : {
                code: e.code,
                message: e.message,
                fault: faultOf(e.code),
                recorded: false,
                step: o.length + 1,
              };
          o.failedAction = action;
          await env.recover();
          return o;
        }
        recorder?.step(action, r, turn);
        first = false;
        o.length++;
        o.returnMicros += r.info.rewardMicros;
        if (r.info.invalidAction) o.invalidActions++;
        observation = r.observation;
        options.onStep?.(r);
        if (r.terminated || r.truncated) {
          o.terminated = r.terminated;
          o.truncated = r.truncated;
          return o;
        }
      }
      options.onTurnPlayed?.();
    }
  } finally {
    // Without an ending (abort, agent failure, a throw) no footer is written: the file reads as truncated.
    recorder?.close();
  }
}

function failureOfLine(line: ReturnType<EpisodeWriter['failStep']>): OutcomeFailure {
  return { ...line.error, recorded: true, step: line.i };
}
