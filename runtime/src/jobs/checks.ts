/**
 * The checks a job makes on its options before it plays anything, each a `PalestraError` with a
 * code and a hint. Their messages name the option as the command line spells it (`--step`,
 * `--out`), since that is where most options come from and the hint reads the same for a caller.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Episode, PalestraError } from '@palestra/envs';

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
