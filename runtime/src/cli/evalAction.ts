import Table from 'cli-table3';
import type { Interval } from '../eval/bootstrap.ts';
import type { EvalReport } from '../eval/evaluate.ts';
import { evaluate } from '../jobs/evaluate.ts';
import { failedNote } from '../rollout/failure.ts';
import { abortOnSigint, exitOnFailures, paint, tableStyle } from './args.ts';
import { evalFlags } from './eval.ts';
import { parseFlags } from './flags.ts';
import { announceRun } from './studioLink.ts';

// An interval over no episodes (every one failed) is NaN: shown as a dash, not as "NaN%".
const ci = (i: Interval, digits = 3, pct = false) => {
  if (Number.isNaN(i.estimate)) return '-';
  const f = (x: number) => (pct ? `${(100 * x).toFixed(0)}%` : x.toFixed(digits));
  return `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;
};
const signed = (i: Interval, pct = false) => {
  if (Number.isNaN(i.estimate)) return '-';
  const f = (x: number) => (x > 0 ? '+' : '') + (pct ? `${(100 * x).toFixed(0)}%` : x.toFixed(3));
  return `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;
};

/** The report as a person reads it: scores with 95% intervals, the paired difference, tasks where the agents differ. */
export function formatEvalReport(r: EvalReport): string {
  const lines: string[] = [];
  lines.push(
    `${r.env} · ${r.tasks} ${r.split === 'eval' ? 'held-out' : '(no held-out split: all)'} tasks × ${r.episodesPerTask} seeds (from ${r.seed}) · 95% bootstrap intervals`,
  );
  const head = ['agent', 'episodes', 'failed', 'success [95% CI]', 'mean return [95% CI]'];
  const t = new Table({ ...tableStyle(), head });
  for (const s of [r.a, r.b].filter((x) => x !== undefined))
    t.push([
      `${s.label}: ${s.agent}`,
      s.episodes,
      s.failed.failed ? `${s.failed.failed} (${s.failed.agent} agent, ${s.failed.environment} env.)` : 0,
      ci(s.successRate, 3, true),
      ci(s.meanReturn),
    ]);
  if (r.difference)
    t.push([
      `${r.a.label} − ${r.b!.label} (paired)`,
      r.difference.pairs,
      '',
      signed(r.difference.successRate, true),
      signed(r.difference.meanReturn),
    ]);
  lines.push(t.toString());
  // Over no pair there is no difference to read, and no task where the agents "score the same".
  if (r.difference && r.difference.pairs > 0) {
    const d = r.difference.meanReturn;
    lines.push(
      d.low > 0
        ? paint('green', `${r.a.label} is better: the interval of the paired difference lies above 0`)
        : d.high < 0
          ? paint('red', `${r.a.label} is worse: the interval of the paired difference lies below 0`)
          : 'no difference shown at 95%: the interval of the paired difference contains 0',
    );
    const differ = r.perTask.filter(
      (x) => x.b && (x.a.meanReturn !== x.b.meanReturn || x.a.successRate !== x.b.successRate),
    );
    if (differ.length === 0) lines.push('the agents score the same on every task');
    else {
      const pt = new Table({
        ...tableStyle(),
        head: [
          'task',
          'episodes',
          `${r.a.label} success`,
          `${r.b!.label} success`,
          `${r.a.label} return`,
          `${r.b!.label} return`,
          'Δ return',
        ],
      });
      for (const x of differ.sort(
        (p, q) => Math.abs(q.a.meanReturn - q.b!.meanReturn) - Math.abs(p.a.meanReturn - p.b!.meanReturn),
      ))
        pt.push([
          `${x.taskIndex} ${x.taskId ?? ''}`,
          x.episodes,
          `${(100 * x.a.successRate).toFixed(0)}%`,
          `${(100 * x.b!.successRate).toFixed(0)}%`,
          x.a.meanReturn.toFixed(3),
          x.b!.meanReturn.toFixed(3),
          (x.a.meanReturn - x.b!.meanReturn > 0 ? '+' : '') + (x.a.meanReturn - x.b!.meanReturn).toFixed(3),
        ]);
      lines.push(`tasks where they differ (${differ.length} of ${r.perTask.length}):`);
      lines.push(pt.toString());
    }
  } else if (!r.difference) {
    const pt = new Table({ ...tableStyle(), head: ['task', 'episodes', 'success', 'mean return'] });
    for (const x of r.perTask)
      pt.push([
        `${x.taskIndex} ${x.taskId ?? ''}`,
        x.episodes,
        `${(100 * x.a.successRate).toFixed(0)}%`,
        x.a.meanReturn.toFixed(3),
      ]);
    if (r.perTask.length > 0) lines.push(pt.toString());
  }
  for (const s of [r.a, r.b].filter((x) => x !== undefined))
    if (s.failed.failed > 0) {
      lines.push(
        paint('yellow', `! ${s.label}: ${failedNote(s.failed)}: the figures cover complete pairs only`),
      );
      if (s.firstFailure)
        lines.push(paint('yellow', `  first failure: ${s.firstFailure.code}: ${s.firstFailure.message}`));
    }
  if (r.a.episodes === 0 && (r.failed > 0 || !r.complete))
    lines.push(paint('red', '✖ no (task, seed) pair completed: nothing was measured, this is not a result'));
  if (!r.complete && r.failed === 0)
    lines.push(
      paint(
        'yellow',
        '! some episodes did not complete: the figures cover complete pairs only; rerun to finish',
      ),
    );
  return lines.join('\n');
}

/** `palestra eval <env>`: the evaluate job with Ctrl-C, then its report as tables; `eval.json` holds it whole. */
export async function evalAction(name: string, raw: unknown): Promise<void> {
  const flags = parseFlags(evalFlags, raw, 'eval');
  const controller = new AbortController();
  const stop = abortOnSigint(controller);
  let result: Awaited<ReturnType<typeof evaluate>>;
  try {
    result = await evaluate(
      {
        env: name,
        agent: flags.agent,
        ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
        ...(flags.vs === undefined ? {} : { vs: flags.vs }),
        episodesPerTask: flags.episodesPerTask,
        seed: flags.seed,
        out: flags.out,
        concurrency: flags.concurrency,
        retries: flags.retries,
        ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
      },
      { signal: controller.signal },
    );
  } finally {
    stop();
  }
  const { report } = result;
  console.log(formatEvalReport(report));
  console.log(`report: ${result.reportPath}`);
  await announceRun(flags.out);
  if (result.interrupted) process.exitCode = 130;
  exitOnFailures(
    report.failed,
    `${report.failed} episode${report.failed === 1 ? '' : 's'} failed, not in the scores`,
  );
  if (!report.complete && !process.exitCode) process.exitCode = 1;
}
