/**
 * What pages get of a check (`checkState`): plain data for a loader, with the problems the canvas
 * places and the counts the environments list shows.
 */
import type { Problem } from '../app/problems/problemsOf.ts';
import { problemsOf } from '../app/problems/problemsOf.ts';
import { type CheckState, type CheckSummary, checkSummary } from './checkStatus.ts';

export type CheckOutcome =
  | { state: 'done'; problems: Problem[]; summary: CheckSummary }
  | { state: 'failed'; code: string; message: string; hint?: string }
  | { state: 'pending' };

/** A check's state as a page shows it. */
export function checkOutcome(state: CheckState): CheckOutcome {
  if (state.state !== 'done') return state;
  return { state: 'done', problems: problemsOf(state.report), summary: checkSummary(state.report) };
}
