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

/**
 * `--base-url` for model agents: the endpoint of the `anthropic:<model>` agents when the command
 * plays one, of the `openai:<model>` agents otherwise. resolveAgent takes no options yet, so the URL
 * goes where each SDK looks for it (worker threads inherit it).
 *
 * @example
 * applyBaseUrl('http://localhost:8000/v1', 'openai:qwen2.5-7b') // OPENAI_BASE_URL
 */
export function applyBaseUrl(url: string | undefined, ...agents: (string | undefined)[]): void {
  if (!url) return;
  if (agents.some((a) => a?.startsWith('anthropic:'))) process.env.ANTHROPIC_BASE_URL = url;
  if (agents.some((a) => a?.startsWith('openai:')) || !agents.some((a) => a?.startsWith('anthropic:')))
    process.env.OPENAI_BASE_URL = url;
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
