import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { styleText } from 'node:util';
import { type Episode, PalestraError } from '@palestra/envs';
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

/**
 * `--step k` outside the episode it names: there is no state after step k to show or branch from.
 * Carries the step asked for and the valid range, so every command says the same.
 */
export class StepOutOfRangeError extends PalestraError {
  override name = 'StepOutOfRangeError';
  constructor(
    readonly step: number,
    readonly max: number,
    options: { file: string; steps: number; failureStep?: number },
  ) {
    const plural = options.steps === 1 ? '' : 's';
    const failed = options.failureStep === undefined ? '' : ` and fails at step ${options.failureStep}`;
    super(
      'STEP_OUT_OF_RANGE',
      `--step ${step} is out of range: ${options.file} has ${options.steps} step${plural}${failed}, so --step goes from 0 to ${max}`,
      {
        details: { step, min: 0, max, file: options.file },
        hint: `pass --step 0 (the state after reset) up to --step ${max}`,
      },
    );
  }
}

/**
 * Refuses a `--step` past the end of `episode` (the parser already refused negatives). With
 * `throughFailure`, the failing action of a failed episode counts as a step (replay re-executes
 * it); branching needs a state after the step, so `branch` stops at the last recorded step.
 *
 * @example
 * checkStepArg(99, readEpisode(file), file); // throws STEP_OUT_OF_RANGE on a one-step episode
 */
export function checkStepArg(
  step: number | undefined,
  episode: Pick<Episode, 'steps' | 'failure'>,
  file: string,
  options: { throughFailure?: boolean } = {},
): void {
  if (step === undefined) return;
  const failureStep = episode.failure?.i;
  const max = options.throughFailure && failureStep !== undefined ? failureStep : episode.steps.length;
  if (step > max)
    throw new StepOutOfRangeError(step, max, {
      file,
      steps: episode.steps.length,
      ...(failureStep === undefined ? {} : { failureStep }),
    });
}

/**
 * Refuses an output file flag that names an existing folder (writing would fail with a bare
 * EISDIR): NOT_A_FILE, with the file in that folder the command would have written by default.
 *
 * @example
 * checkOutFile('runs/a', '--out', 'runs/a/episode-000000.html'); // throws NOT_A_FILE, suggests runs/a/episode-000000.html
 */
export function checkOutFile(path: string, flag: string, defaultFile: string): void {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return;
  throw new PalestraError('NOT_A_FILE', `${flag} ${path} is a folder, and a file is expected`, {
    details: { flag, path },
    hint: `name a file, e.g. ${flag} ${join(path, basename(defaultFile))}`,
  });
}

/**
 * Creates a run folder a flag names, and checks it can be written, before any episode is played:
 * a path through a file (ENOTDIR) or a folder without write permission (EACCES) then fails at
 * once with the file-system hint, instead of failing every episode as if the environment broke.
 *
 * @example
 * requireWritableFolder(flags.out, '--out');
 */
export function requireWritableFolder(path: string, flag: string): void {
  mkdirSync(path, { recursive: true });
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw new PalestraError('OUT_NOT_WRITABLE', `${flag} ${path} cannot be written to`, {
      cause: e,
      details: { flag, path },
      hint: `choose another ${flag}, or fix the folder's permissions`,
    });
  }
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
 * Refuses `--agent human` (or `--vs human`) in a command that plays many episodes at once: one
 * terminal cannot answer several prompts, and `palestra run` is where a person plays.
 *
 * @example
 * refuseHuman('rollout', flags.agent); // throws HUMAN_NOT_SUPPORTED for "human"
 */
export function refuseHuman(command: string, ...agents: (string | undefined)[]): void {
  if (!agents.includes('human')) return;
  throw new PalestraError(
    'HUMAN_NOT_SUPPORTED',
    `palestra ${command} plays many episodes at once, and a person can answer one prompt at a time`,
    { hint: 'play by hand with palestra run <env> --agent human' },
  );
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
