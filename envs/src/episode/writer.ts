import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RecordError } from '../errors.ts';
import type { Action, ResetResult, StepResult } from '../kernel/types.ts';
import { EpisodeChain, type EpisodeMeta } from './chain.ts';
import type { EpisodeFailure, EpisodeFooter, EpisodeStep } from './record.ts';

/**
 * Streams an episode to a JSONL file, one `write` per line, so a crash loses at most the step in
 * flight. `fsync: true` also survives power loss, at a cost per step.
 *
 * @example
 * const w = new EpisodeWriter('run/episode-0.jsonl', { spec, seed: 1, agent: 'random' }, env.reset({ seed: 1 }));
 * w.step(action, env.step(action)); w.close();
 */
export class EpisodeWriter {
  private fd: number | undefined;
  private readonly chain = new EpisodeChain();

  constructor(
    readonly path: string,
    meta: EpisodeMeta,
    reset: ResetResult,
    private readonly options: { fsync?: boolean } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    this.chain.header(meta, reset);
    this.write(this.chain.lastLine);
  }

  /**
   * Header and step lines are written as the canonical JSON their hash was taken over (keys
   * sorted, RFC 8785) with the hash appended: one serialisation per step instead of two, which
   * matters when turn records carry whole conversations.
   */
  private write(json: string): void {
    if (this.fd === undefined) throw new RecordError('CLOSED', `${this.path} is closed`);
    writeSync(this.fd, `${json}\n`);
    if (this.options.fsync) fsyncSync(this.fd);
  }

  step(action: Action, result: StepResult, turn?: unknown): EpisodeStep {
    const s = this.chain.step(action, result, turn);
    this.write(this.chain.lastLine);
    return s;
  }

  /**
   * Writes the failure line of the step that threw (`error`: the `PalestraError`, or its code and
   * message); the footer that keeps the error follows on `close()`.
   *
   * @example
   * try { r = env.step(action) } catch (e) { if (e instanceof PalestraError) w.failStep(action, e, turn) }
   */
  failStep(action: Action, error: { code: string; message: string }, turn?: unknown): EpisodeFailure {
    const f = this.chain.failStep(action, error, turn);
    this.write(this.chain.lastLine);
    return f;
  }

  /**
   * Marks the episode as stopped by an error (written in the footer on close), without the
   * failing action. @deprecated use `failStep`, which records the action so replay can check it.
   */
  fail(error: { code: string; message: string }): void {
    this.chain.fail(error);
  }

  /** Writes the footer (if the episode ended) and closes the file. Returns the footer, if written. */
  close(): EpisodeFooter | undefined {
    if (this.fd === undefined) return undefined;
    let footer: EpisodeFooter | undefined;
    if (this.chain.done) {
      footer = this.chain.footer();
      this.write(JSON.stringify(footer));
    }
    closeSync(this.fd);
    this.fd = undefined;
    return footer;
  }

  get root(): string {
    return this.chain.root;
  }
}
