import type { CheckReport } from '@palestra/envs/node';

/** A transition a problem is about: by source state, event and (when known) target, dotted ids. */
export interface ProblemTransition {
  source: string;
  event: string;
  target?: string;
}

/**
 * One of the checker's findings that needs a look (an error or a warning), as the canvas and the
 * problems list show it. `states` and `transitions` say where on the statechart it is; both are
 * empty for a finding about the environment as a whole (listed, selecting nothing).
 */
export interface Problem {
  /** Unique within one report: the check and the finding's position (`dead ends#3`). */
  id: string;
  level: 'error' | 'warning';
  check: string;
  message: string;
  /** The error's stable code (`DEAD_END`). */
  code?: string;
  hint?: string;
  /** A JSON path in the spec, or `file:line:column` of a module. */
  where?: string;
  /** Dotted state ids (`open.review`); `""` is the machine's root. */
  states: string[];
  transitions: ProblemTransition[];
}

/**
 * The findings of a check report that are not passes, in the report's order, errors and warnings
 * alike. A type-only import of the report: this module is browser-safe.
 *
 * @example
 * problemsOf(await checkReport(studio, env)) // [{ id: 'dead ends#6', level: 'error', states: ['stuck'], … }]
 */
export function problemsOf(report: Pick<CheckReport, 'findings'>): Problem[] {
  const out: Problem[] = [];
  report.findings.forEach((f, i) => {
    if (f.level === 'ok') return;
    out.push({
      id: `${f.check}#${i}`,
      level: f.level,
      check: f.check,
      message: f.message,
      ...(f.code !== undefined && { code: f.code }),
      ...(f.hint !== undefined && { hint: f.hint }),
      ...(f.where !== undefined && { where: f.where }),
      states: [...(f.targets?.states ?? [])],
      transitions: (f.targets?.transitions ?? []).map((t) => ({ ...t })),
    });
  });
  return out;
}
