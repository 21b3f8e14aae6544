import { PalestraError } from '../errors.ts';

/**
 * One line of a check report. An error always carries a `code` and, where one helps, a `hint`
 * (what to change) and `where` (a JSON path in the spec, or `file:line:column` of a module).
 * A check that had nothing to look at is an error with `ran: false`: never a pass.
 */
export interface CheckFinding {
  level: 'error' | 'warning' | 'ok';
  check: string;
  message: string;
  /** False when the check could not run (nothing to look at); such a finding is always an error. */
  ran: boolean;
  /** Stable code of an error: the environment's own code when an episode failed on it. */
  code?: string;
  /** Where to look: `$.reward.rules[2]`, or `lake.js:3:14`. */
  where?: string;
  /** What to do about it. */
  hint?: string;
  /**
   * The statechart elements the finding is about, so a page can mark them on the canvas (the
   * message names them too, for the terminal). Only the statechart checks fill it.
   */
  targets?: FindingTargets;
}

/**
 * Elements of a machine named by a finding. States by their dotted id (`open.review`, as
 * `allStates` names them; `""` is the root). A transition by the state it is written on, its
 * event (the `on` key, or `always`) and, when it has one, the dotted id of the state it resolves
 * to: together they pick out a drawn edge (two guarded branches with the same target are both
 * picked).
 */
export interface FindingTargets {
  states?: string[];
  transitions?: { source: string; event: string; target?: string }[];
}

export interface CheckStats {
  /** Random episodes that ran to their end (failed ones are not counted here). */
  episodes: number;
  /** Random episodes stopped by an error. */
  failedEpisodes: number;
  /** Steps taken by the random episodes. */
  steps: number;
  statesSeen: number;
  statesTotal: number;
  /** Distinct configurations the graph search recorded. */
  graphStates: number;
  /** Episodes replayed in a second process under other host conditions. */
  crossHostEpisodes: number;
}

export interface CheckReport {
  env: string;
  findings: CheckFinding[];
  ok: boolean;
  stats: CheckStats;
}

/** A passing check. */
export function pass(check: string, message: string): CheckFinding {
  return { level: 'ok', check, message, ran: true };
}

/** A check that ran and found something worth a look, not a defect. */
export function warn(check: string, message: string, extra: { targets?: FindingTargets } = {}): CheckFinding {
  return { level: 'warning', check, message, ran: true, ...extra };
}

/** A check that ran and found a defect. */
export function fail(
  check: string,
  code: string,
  message: string,
  extra: { hint?: string; where?: string; targets?: FindingTargets } = {},
): CheckFinding {
  return { level: 'error', check, message, ran: true, code, ...extra };
}

/** A check that had nothing to look at: an error that says why, so it can never read as a pass. */
export function notRun(check: string, why: string, hint?: string): CheckFinding {
  return {
    level: 'error',
    check,
    message: `could not run: ${why}`,
    ran: false,
    code: 'CHECK_NOT_RUN',
    ...(hint ? { hint } : {}),
  };
}

/** Where an error points: its JSON path, or the module file with line and column. */
export function whereOf(error: unknown): string | undefined {
  if (!(error instanceof PalestraError)) return undefined;
  const d = error.details;
  if (typeof d.path === 'string') return d.path;
  if (typeof d.file === 'string')
    return [d.file, d.line, d.column].filter((x) => x !== undefined && x !== null).join(':');
  return undefined;
}

/** A finding for an error the environment raised: its own code, message, location and hint. */
export function failFromError(check: string, error: unknown, context: string): CheckFinding {
  if (error instanceof PalestraError) {
    const where = whereOf(error);
    return fail(check, error.code, `${context}: ${error.message}`, {
      ...(error.hint ? { hint: error.hint } : {}),
      ...(where ? { where } : {}),
    });
  }
  return fail(check, 'UNEXPECTED_ERROR', `${context}: ${(error as Error)?.message ?? String(error)}`, {
    hint: 'this is not a typed Palestra error: report it with the spec that caused it',
  });
}

/** The report as text a person reads: errors with their code, location and hint on lines below. */
export function formatCheckReport(report: CheckReport): string {
  const mark = { ok: '✔', warning: '!', error: '✖' } as const;
  const lines = [`palestra check ${report.env}`];
  const indent = ' '.repeat(20);
  for (const f of report.findings) {
    const code = f.level === 'error' && f.code ? `${f.code}: ` : '';
    lines.push(`  ${mark[f.level]} ${f.check.padEnd(15)} ${code}${f.message}`);
    if (f.where) lines.push(`${indent}at ${f.where}`);
    if (f.hint) lines.push(`${indent}→ ${f.hint}`);
  }
  const count = (level: CheckFinding['level']) => report.findings.filter((f) => f.level === level).length;
  const errors = count('error');
  const warnings = count('warning');
  const skipped = report.findings.filter((f) => !f.ran).length;
  const s = report.stats;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const ran = [
    `${plural(s.episodes, 'episode')} ran (${plural(s.steps, 'step')})`,
    ...(s.failedEpisodes > 0 ? [`${s.failedEpisodes} failed`] : []),
    `${plural(s.graphStates, 'graph state')} explored`,
    `${plural(s.crossHostEpisodes, 'episode')} replayed in another process`,
  ];
  lines.push(
    `  ${report.ok ? 'passed' : 'FAILED'}: ${plural(errors, 'error')}${skipped > 0 ? ` (${skipped} check${skipped === 1 ? '' : 's'} could not run)` : ''}, ${plural(warnings, 'warning')} · ${ran.join(', ')}`,
  );
  return lines.join('\n');
}
