import { styleText } from 'node:util';
import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer flag ≥ `min`. */
export function intArg(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

/** A commander parser for a finite number flag ≥ `min`. */
export function numberArg(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number ≥ ${min}`);
    return n;
  };
}

const color = () => process.stdout.isTTY && !process.env.NO_COLOR;
/** Colours a string for the terminal (plain when piped or with NO_COLOR). */
export function paint(style: Parameters<typeof styleText>[0], s: string): string {
  return color() ? styleText(style, s) : s;
}

/** cli-table3 style: coloured heads on a terminal, plain otherwise. */
export function tableStyle(): { style?: { head: string[]; border: string[] } } {
  return color() ? {} : { style: { head: [], border: [] } };
}

/** `--workers`: "auto" or a whole number ≥ 0 (a commander parser, so a bad value fails before any work). */
export function workersArg(v: string): number | 'auto' {
  if (v === 'auto') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(
      '--workers must be "auto" or a whole number ≥ 0 (0: the main thread only)',
    );
  return n;
}

/**
 * Aborts `controller` on the first Ctrl-C (in-flight episodes stop, their files stay valid and
 * are resumed by a rerun); a second Ctrl-C exits at once. Returns the function that removes the handler.
 */
export function abortOnSigint(controller: AbortController, onFirst?: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      onFirst?.();
      controller.abort(new Error('interrupted (Ctrl-C)'));
    } else process.exit(130);
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/**
 * Exit code of `palestra run`, `rollout`, `eval`, `branch` and `learnability` when the command ran
 * to the end but some episode failed (stopped by an error, not by its rules). Distinct from 1 (a
 * bad flag, spec or file, or a crash: the command could not do its work) and 130 (Ctrl-C).
 */
export const EXIT_EPISODES_FAILED = 3;

/** The exit codes, as each command's --help lists them. */
export const EXIT_CODES_HELP = `Exit codes: 0 every episode complete · 1 a usage error, an invalid spec or file, or a crash ·
${EXIT_EPISODES_FAILED} some episode failed (stopped by an error: counted in the summary as failed, by fault, and
left out of the means) · 130 interrupted (Ctrl-C; the same command finishes the run).`;

/** Sets `EXIT_EPISODES_FAILED` and says so, when `failed` > 0 (an interrupted run keeps 130). */
export function exitOnFailures(failed: number, note: string): void {
  if (failed === 0) return;
  console.log(paint('yellow', `! ${note}; exit code ${EXIT_EPISODES_FAILED}`));
  if (process.exitCode !== 130) process.exitCode = EXIT_EPISODES_FAILED;
}

/** Says how far an interrupted run got and that the same command finishes it; exit code 130 (SIGINT's). */
export function reportInterrupted(summary: { complete: number; episodes: number }): void {
  console.log(
    paint(
      'yellow',
      `! interrupted: ${summary.complete}/${summary.episodes} episodes complete; run the same command again to finish`,
    ),
  );
  process.exitCode = 130;
}
