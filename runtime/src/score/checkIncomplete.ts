import { PalestraError } from '@palestra/envs';

/** An item's failure as a user reads it: the code, the message and what to do. */
export interface ItemError {
  code: string;
  message: string;
  hint?: string;
}

/** The item's error as an `ItemError` (a bug that is not a `PalestraError` keeps its message). */
export function itemError(e: unknown, fallbackCode = 'JUDGE_FAILED'): ItemError {
  if (e instanceof PalestraError)
    return { code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
  return { code: fallbackCode, message: e instanceof Error ? e.message : String(e) };
}

/**
 * A check whose calls failed: it measured nothing, so it is an error, never a pass. The rule for
 * every check of judges (`overseer redteam`, `overseer calibrate`): any item without a verdict
 * makes the whole check "could not run", whatever the other items gave. Dropping the failed items
 * instead would let a judge that fails on exactly the hard items pass, and a judge that cannot be
 * reached at all would pass on zero items.
 *
 * @example
 * throw new CheckIncompleteError('REDTEAM_INCOMPLETE', { check: 'the red team', failed: 12, total: 12, unit: 'fixtures', first })
 */
export class CheckIncompleteError extends PalestraError {
  override name = 'CheckIncompleteError';
  constructor(
    code: string,
    at: {
      /** What could not run, as a sentence subject ("the red team of judge:openai:m"). */
      check: string;
      failed: number;
      total: number;
      /** What the items are ("red-team fixtures", "labelled episodes"). */
      unit: string;
      first?: ItemError | undefined;
      /** Why items after the first failure were not tried, when they were not. */
      stopped?: string | undefined;
    },
  ) {
    const first = at.first ? ` First: ${at.first.code}: ${at.first.message}` : '';
    const stopped = at.stopped ? ` (${at.stopped})` : '';
    super(
      code,
      `${at.check} could not run: ${at.failed} of ${at.total} ${at.unit} got no verdict${stopped}, so nothing was measured.${first}`,
      {
        details: { failed: at.failed, total: at.total, ...(at.first ? { first: at.first } : {}) },
        hint: at.first?.hint ?? 'fix what failed and run it again: a check that could not run is not a pass',
      },
    );
  }
}
