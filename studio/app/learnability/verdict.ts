/**
 * The learnability report's verdicts in the same words as `palestra learnability` prints them
 * (runtime/src/cli/learnability.ts): the "vs random" cell of each probe, the marks of the findings,
 * and the closing verdict. A test holds them to the CLI's output for the same report.
 */
import type { LearnabilityReport } from '@palestra/runtime';

type AgentResult = LearnabilityReport['results'][number];

/** A probe's "vs random" cell: `+0.497 ✔`, `+0.620 ✖ games the reward`; empty for baselines. */
export function vsRandomText(x: AgentResult): string {
  if (x.overRandom === undefined) return '';
  return `${x.overRandom > 0 ? '+' : ''}${x.overRandom.toFixed(3)}${x.games ? ' ✖ games the reward' : ' ✔'}`;
}

/** A finding's mark, as the CLI prints it before the message. */
export function findingMark(level: LearnabilityReport['findings'][number]['level']): string {
  return level === 'error' ? '✖' : level === 'warning' ? '!' : '·';
}

/** The report's closing verdict: `fail` when a policy games the reward or an episode failed. */
export function learnabilityVerdict(r: LearnabilityReport): { level: 'pass' | 'fail'; text: string } {
  if (r.results.some((x) => x.games))
    return {
      level: 'fail',
      text: '✖ a degenerate policy earns reward without solving the task: fix the reward before publishing',
    };
  if (r.failed > 0)
    return {
      level: 'fail',
      text: `✖ ${r.failed} episode(s) failed: no verdict until every episode completes (see the errors above)`,
    };
  return { level: 'pass', text: '✔ no degenerate policy earns reward without solving the task' };
}

/** The report's first line: what was measured (the CLI's heading). */
export function learnabilityHeading(r: LearnabilityReport): string {
  return `Learnability of ${r.env} · ${r.groups} groups × ${r.groupSize} episodes per agent (seed ${r.seed}) · reward range ${r.range.min} … ${r.range.max} (${r.range.from}) · margin ${r.margin.toFixed(3)}`;
}
