/**
 * The environment's typed errors. The base, `PalestraError` (`code`, message, `details`, `hint`,
 * `cause`), and `walk()` over causes live in `@palestra/errors`, which every package shares; they
 * are re-exported here so that `@palestra/envs` keeps exporting them.
 *
 * @example
 * try { parseSpec(json) } catch (e) { if (e instanceof SpecError) console.error(e.issues) }
 */
import { PalestraError } from '@palestra/errors';

export { PalestraError, type PalestraErrorOptions, walk } from '@palestra/errors';

/** One problem in a spec, located by its JSON path (`$.machine.states.idle.on.GO`). */
export interface SpecIssue {
  path: string;
  /** What is wrong, in a sentence. */
  message: string;
  /** What to do about it, where the message does not already say. */
  hint?: string;
}

/** A GymSpec that does not validate. `issues` lists every problem with its JSON path. */
export class SpecError extends PalestraError {
  override name = 'SpecError';
  readonly issues: SpecIssue[];
  /** The spec file, when the spec came from one. */
  readonly file: string | undefined;

  constructor(issues: SpecIssue[], hint?: string, options: { file?: string } = {}) {
    const head = issues
      .slice(0, 12)
      .map((i) => `  ${i.path}: ${i.message}${i.hint ? `\n    → ${i.hint}` : ''}`)
      .join('\n');
    const more = issues.length > 12 ? `\n  … and ${issues.length - 12} more` : '';
    const where = options.file ? ` in ${options.file}` : '';
    super(
      'SPEC_INVALID',
      `invalid GymSpec${where} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${head}${more}`,
      {
        details: { issues, ...(options.file ? { file: options.file } : {}) },
        hint,
      },
    );
    this.issues = issues;
    this.file = options.file;
  }
}

/** The environment was used out of order: step before reset, step after the episode ended, use after close. */
export class EnvStateError extends PalestraError {
  override name = 'EnvStateError';
}

/** Environment code failed inside the sandbox: deadline, memory, exception, bad return value. */
export class SandboxError extends PalestraError {
  override name = 'SandboxError';
}

/** An episode file that cannot be read: truncated (a crash mid-write) or corrupted. */
export class RecordError extends PalestraError {
  override name = 'RecordError';
}

/** Replay found a step that does not match the record, bit for bit. */
export class ReplayDivergence extends PalestraError {
  override name = 'ReplayDivergence';
  constructor(
    readonly step: number,
    readonly field: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(
      'REPLAY_DIVERGED',
      `replay diverged at step ${step}, field "${field}": expected ${short(expected)}, got ${short(actual)}`,
      {
        details: { step, field, expected, actual },
        hint: 'the environment, its code or an engine version changed since the episode was recorded',
      },
    );
  }
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** An expression or code module failed while the environment stepped (the episode cannot go on). */
export class EnvCodeError extends PalestraError {
  override name = 'EnvCodeError';
}
