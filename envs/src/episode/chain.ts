import { RecordError } from '../errors.ts';
import { type EpisodeError, faultOf } from '../kernel/fault.ts';
import type { Action, ResetResult, StepResult } from '../kernel/types.ts';
import { canonicalJson, chainHashOfCanonical, sha256Hex } from './hash.ts';
import {
  type EpisodeFailure,
  type EpisodeFooter,
  type EpisodeHeader,
  type EpisodeStep,
  engineVersions,
  RECORD_VERSION,
} from './record.ts';

export interface EpisodeMeta {
  spec: { name: string; version: string; root?: string | null };
  seed: number;
  agent: string;
}

/** `{"a":1}` + hash → `{"a":1,"hash":"…"}` (still valid JSON; the hash itself is not hashed). */
function withHash(canonical: string, hash: string): string {
  return `${canonical.slice(0, -1)},"hash":"${hash}"}`;
}

/**
 * Builds the hash-chained lines of one episode, in memory. Pure (no file, no Node module: it runs
 * in a browser too): `EpisodeWriter` streams its lines to a file, replay rebuilds them to compare.
 *
 * @example
 * const chain = new EpisodeChain();
 * chain.header({ spec, seed: 1, agent: 'random' }, env.reset({ seed: 1 }));
 * chain.step(action, env.step(action));
 * chain.root; // the episode root so far (the footer's, once the episode ends)
 */
export class EpisodeChain {
  private last = '';
  private lastJson = '';
  private returnMicros = 0;
  private count = 0;
  private ended = false;
  terminated = false;
  truncated = false;

  header(meta: EpisodeMeta, reset: ResetResult): EpisodeHeader {
    const body = {
      kind: 'header' as const,
      v: RECORD_VERSION,
      spec: { name: meta.spec.name, version: meta.spec.version, root: meta.spec.root ?? null },
      seed: meta.seed,
      taskIndex: reset.info.taskIndex,
      taskId: reset.info.taskId,
      agent: meta.agent,
      engines: engineVersions(),
      observation: reset.observation,
      info: reset.info,
    };
    const canonical = canonicalJson(body);
    this.last = sha256Hex(canonical);
    this.lastJson = withHash(canonical, this.last);
    return Object.assign(body, { hash: this.last });
  }

  step(action: Action, result: StepResult, turn?: unknown): EpisodeStep {
    if (!this.last) throw new RecordError('NO_HEADER', 'write the header first');
    if (this.error)
      throw new RecordError('EPISODE_FAILED', 'the episode failed: no step can follow its failure');
    this.count += 1;
    this.returnMicros += result.info.rewardMicros;
    this.terminated = result.terminated;
    this.truncated = result.truncated;
    this.ended = result.terminated || result.truncated;
    const body: Omit<EpisodeStep, 'hash'> = {
      kind: 'step',
      i: result.info.step,
      action,
      observation: result.observation,
      reward: result.info.rewardMicros,
      terminated: result.terminated,
      truncated: result.truncated,
      state: result.info.state,
      event: result.info.event,
      components: result.info.rewardComponents,
      ...(result.info.invalidAction ? { invalidAction: result.info.invalidAction } : {}),
      ...(turn === undefined ? {} : { turn }),
    };
    const canonical = canonicalJson(body);
    this.last = chainHashOfCanonical(this.last, canonical);
    this.lastJson = withHash(canonical, this.last);
    return Object.assign(body, { hash: this.last }) as EpisodeStep;
  }

  private error: EpisodeError | undefined;

  /**
   * Ends the episode on the error `env.step(action)` threw: the failure line (the action and the
   * error, chained like a step) so that replay can re-execute it, then a footer that keeps the
   * error. `fault` is derived from the code (`faultOf`), never taken from the caller.
   */
  failStep(action: Action, error: { code: string; message: string }, turn?: unknown): EpisodeFailure {
    if (!this.last) throw new RecordError('NO_HEADER', 'write the header first');
    if (this.ended)
      throw new RecordError('EPISODE_ENDED', 'the episode has ended: no step can fail after it');
    const e: EpisodeError = { code: error.code, message: error.message, fault: faultOf(error.code) };
    const body: Omit<EpisodeFailure, 'hash'> = {
      kind: 'failure',
      i: this.count + 1,
      action,
      error: e,
      ...(turn === undefined ? {} : { turn }),
    };
    const canonical = canonicalJson(body);
    this.last = chainHashOfCanonical(this.last, canonical);
    this.lastJson = withHash(canonical, this.last);
    this.error = e;
    this.ended = true;
    return Object.assign(body, { hash: this.last }) as EpisodeFailure;
  }

  /**
   * Ends the episode on an error with no failure line: the footer alone keeps it, and the
   * failing action is lost, so replay cannot reproduce it.
   * @deprecated use `failStep(action, error, turn?)`.
   */
  fail(error: { code: string; message: string }): void {
    this.error = { code: error.code, message: error.message, fault: faultOf(error.code) };
    this.ended = true;
  }

  footer(): EpisodeFooter {
    return {
      kind: 'footer',
      return: this.returnMicros,
      length: this.count,
      terminated: this.terminated,
      truncated: this.truncated,
      root: this.last,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  get done(): boolean {
    return this.ended;
  }

  get root(): string {
    return this.last;
  }

  /** The last header, step or failure as its JSONL line: the canonical JSON that was hashed, plus its hash. */
  get lastLine(): string {
    return this.lastJson;
  }
}
