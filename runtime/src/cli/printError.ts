import { inspect } from 'node:util';
import { PalestraError, ReplayDivergence } from '@palestra/envs';
import { NothingMeasuredError } from '../rollout/nothingMeasured.ts';
import { EXIT_EPISODES_FAILED } from './args.ts';

/** What `formatError` may add for a reader who asked for it. */
export interface FormatErrorOptions {
  /** `--debug`: append the stack, the cause chain and the error's own fields. */
  debug: boolean;
}

/** The line under an error Palestra did not expect: it names no code of ours, so it is our bug. */
export const BUG_LINE =
  'this is a bug in palestra, not a mistake of yours; re-run with --debug for the stack';

/**
 * The one way the CLI shows a failure. An error of a known kind (a `PalestraError`, from any
 * package: `SpecError`, `ContractsError`, …) reads `✖ CODE: message`, then `→ hint`; anything
 * else is shown by its message and `BUG_LINE`.
 * A stack only with `--debug`: a user acts on the code and the hint, a developer on the stack.
 *
 * @example
 * formatError(new PalestraError('PORT_IN_USE', 'port 8000 is in use', { hint: 'pass --port 0' }), { debug: false })
 * // '✖ PORT_IN_USE: port 8000 is in use\n  → pass --port 0'
 */
export function formatError(e: unknown, options: FormatErrorOptions): string {
  const lines: string[] = [];
  if (e instanceof PalestraError) {
    lines.push(`✖ ${e.code}: ${e.message}`);
    // A divergence is read by comparing the two values, so both are shown in full.
    if (e instanceof ReplayDivergence)
      lines.push(`  expected: ${JSON.stringify(e.expected)}`, `  actual:   ${JSON.stringify(e.actual)}`);
    if (e.hint) lines.push(`  → ${e.hint}`);
  } else if (fileSystemHint(e)) {
    // A file or folder the user named could not be read or written: their path, not our bug.
    const err = e as NodeJS.ErrnoException;
    // Node's message starts with the code already ("ENOTDIR: not a directory, mkdir 'x'").
    const message = err.message.startsWith(`${err.code}: `)
      ? err.message.slice(`${err.code}: `.length)
      : err.message;
    lines.push(`✖ ${err.code}: ${message}`, `  → ${fileSystemHint(e)}`);
  } else {
    const err = e instanceof Error ? e : undefined;
    // Node's system errors carry their own code (EACCES, ECONNREFUSED): worth a reader's search.
    const code = (err as { code?: unknown } | undefined)?.code;
    const head = err ? err.message || err.name : String(e);
    lines.push(`✖ ${typeof code === 'string' && !head.includes(code) ? `${code}: ` : ''}${head}`);
    lines.push(`  ${BUG_LINE}`);
  }
  if (options.debug) lines.push('', inspect(e, { depth: 6 }));
  return lines.join('\n');
}

/** Node's file-system errors that a path on the command line causes, with what to do about each. */
const FS_HINTS: Record<string, string> = {
  ENOENT: 'check the path: a file or folder in it does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder: choose another path (e.g. another --out)',
  EISDIR: 'the path is a folder where a file is expected: name a file',
  EACCES: 'you may not read or write there: choose another path, or fix its permissions',
  EPERM: 'the operation is not permitted there: choose another path',
  EROFS: 'that file system is read-only: choose another path (e.g. another --out)',
  ENOSPC: 'the disk is full: free some space or choose another path',
  EEXIST: 'something already exists at that path: remove it or choose another',
};

/** The hint for a file-system error on a path (`err.code` and `err.path` set), else undefined. */
function fileSystemHint(e: unknown): string | undefined {
  const err = e as Partial<NodeJS.ErrnoException> | undefined;
  if (!(e instanceof Error) || typeof err?.path !== 'string' || typeof err.code !== 'string')
    return undefined;
  return FS_HINTS[err.code];
}

/**
 * The exit code of a command that threw `e`: `EXIT_EPISODES_FAILED` when episodes failed (as
 * documented for exit 3): `palestra run` stopped at an agent that failed, or `eval` and
 * `learnability` measured nothing because every episode of an agent failed; 130 (SIGINT's) for a
 * job stopped by Ctrl-C before it had a result (`JOB_ABORTED`); 1 for everything else.
 */
export function exitCodeFor(e: unknown): number {
  if (e instanceof NothingMeasuredError) return EXIT_EPISODES_FAILED;
  if (e instanceof PalestraError && e.code === 'JOB_ABORTED') return 130;
  return e instanceof PalestraError && e.code === 'EPISODE_FAILED' ? EXIT_EPISODES_FAILED : 1;
}
