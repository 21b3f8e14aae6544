import type { EnvSource } from '@palestra/envs/core';
import type { CheckReport } from '@palestra/envs/node';
import { type Problem, problemsOf } from '../problems/problemsOf.ts';
import type { FullCheckOutcome } from './checkWorkerRunner.ts';
import { type LiveSource, parseStage } from './parseStage.ts';

/** The live check of the document's latest version. */
export type LiveCheck =
  | { state: 'pending' }
  | { state: 'done'; problems: Problem[]; ms: number; checked: 'parse' | 'full' }
  | { state: 'failed'; code: string; message: string; hint?: string };

/** What runs the full check (a `CheckWorkerRunner`). */
export interface FullChecker {
  /** Checks a parsed source; never rejects. */
  check(source: EnvSource): Promise<FullCheckOutcome>;
  /** Stops the running check: its result would be stale. */
  cancel(): void;
}

export interface LiveCheckerOptions {
  /** Quiet time after the last change before it is checked. */
  debounceMs: number;
  /** The second stage; without it, only the spec is parsed (`checked: 'parse'`). */
  full?: FullChecker;
  /** Receives each result, always for the latest version. */
  onResult: (check: LiveCheck) => void;
}

/** One object for every pending result: a React state set to it again does not re-render. */
const PENDING: LiveCheck = Object.freeze({ state: 'pending' });

/** Default quiet time: a typed word, not every key. */
export const LIVE_CHECK_DEBOUNCE_MS = 300;

/**
 * The live check's schedule: each change waits `debounceMs` of quiet, then stage 1 (`parseStage`,
 * synchronous) answers at once with `checked: 'parse'` and, when the spec parses, stage 2 (the
 * full check) follows with `checked: 'full'`. Every result is for the latest version: a change
 * reports `pending` at once, cancels the full check under way and drops any answer for an older
 * version, so a stale result is never shown as current. A change to identical content (a
 * re-render that rebuilt the same spec) is no change.
 *
 * @example
 * const checker = new LiveChecker({ debounceMs: 300, full: runner, onResult: setCheck });
 * checker.update({ spec, files, docProblems, paths }); // pending, then parse, then full
 */
export class LiveChecker {
  private version = 0;
  private key: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: LiveCheckerOptions) {}

  /** A new version of the document (`undefined`: none yet). */
  update(source: LiveSource | undefined): void {
    if (this.closed) return;
    const key = source === undefined ? undefined : contentKey(source);
    if (key !== undefined && key === this.key) return;
    this.key = key;
    const version = ++this.version;
    clearTimeout(this.timer);
    this.options.full?.cancel();
    this.options.onResult(PENDING);
    if (source === undefined) return;
    this.timer = setTimeout(() => void this.run(version, source), this.options.debounceMs);
  }

  /** Stops checking: no timer, no running check, no more results. */
  close(): void {
    this.closed = true;
    this.version++;
    clearTimeout(this.timer);
    this.options.full?.cancel();
  }

  private async run(version: number, input: LiveSource): Promise<void> {
    const started = performance.now();
    const stage = parseStage(input);
    const parseMs = performance.now() - started;
    this.options.onResult({ state: 'done', problems: stage.problems, ms: parseMs, checked: 'parse' });
    if (!stage.source || !this.options.full) return;
    const outcome = await this.options.full.check(stage.source);
    if (version !== this.version) return;
    const result = liveResult(stage.problems, parseMs, outcome);
    if (result) this.options.onResult(result);
  }
}

/**
 * Why the live check leaves out the cross-host replay (it needs a second Node process). Not
 * listed as a problem after every edit: it is the same on every check of every environment, so
 * it only hid the real ones; the server's check and `palestra check` run the replay.
 */
export const CROSS_HOST_SKIPPED =
  'not run in the browser (it replays episodes in a second Node process; `palestra check` runs it)';

/** The checker's own finding that it skipped the cross-host replay because the live check asked it to. */
const isOwnSkip = (f: CheckReport['findings'][number]) =>
  f.check === 'cross-host' && f.level === 'warning' && f.message === `skipped: ${CROSS_HOST_SKIPPED}`;

/**
 * The result of a full check on top of stage 1's problems: a report's findings are added
 * (`checked: 'full'`); a check that timed out adds an error that says so and stays `checked:
 * 'parse'` (never a pass); a checker that could not run is `failed`; a superseded one is nothing.
 */
export function liveResult(
  parsed: readonly Problem[],
  parseMs: number,
  outcome: FullCheckOutcome,
): LiveCheck | undefined {
  switch (outcome.kind) {
    case 'report':
      return {
        state: 'done',
        problems: [
          ...parsed,
          ...problemsOf({
            ...outcome.report,
            findings: outcome.report.findings.filter((f) => !isOwnSkip(f)),
          }),
        ],
        ms: parseMs + outcome.ms,
        checked: 'full',
      };
    case 'timeout':
      return {
        state: 'done',
        problems: [
          ...parsed,
          {
            id: 'live check#0',
            level: 'error',
            check: 'live check',
            code: 'CHECK_TIMEOUT',
            message: `the full check did not finish in ${Math.round(outcome.ms / 1000)} s and was stopped: environment code may loop`,
            hint: 'look for a loop in the code modules, or run `palestra check` on the exported folder for the whole story',
            states: [],
            transitions: [],
          },
        ],
        ms: parseMs + outcome.ms,
        checked: 'parse',
      };
    case 'failed': {
      const { code, message, hint } = outcome;
      return { state: 'failed', code, message, ...(hint !== undefined && { hint }) };
    }
    case 'superseded':
      return undefined;
  }
}

/**
 * The content a version is checked for: equal keys, equal results. Content JSON cannot say (a
 * value a faulty client wrote) gets a key of its own, so it is checked rather than skipped.
 */
function contentKey(source: LiveSource): string {
  try {
    return JSON.stringify([source.spec, source.files, source.docProblems, [...(source.paths ?? [])]]);
  } catch {
    return `unkeyed ${++unkeyed}`;
  }
}
let unkeyed = 0;
