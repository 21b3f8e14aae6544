import type { EvalAgentScore, EvalInterval, EvalRunView } from '../../../server/runs/evalRun.ts';
import { formatValue } from '../train/chartGeometry.ts';
import { IntervalChart } from './IntervalChart.tsx';

const percent = (v: number) => `${(100 * v).toFixed(0)}%`;
/** Percentage points, signed (a difference of success rates). */
const points = (v: number) => `${v > 0 ? '+' : ''}${(100 * v).toFixed(0)} pp`;
const signed = (v: number) => `${v > 0 ? '+' : ''}${formatValue(v)}`;

/** "75% [50% … 100%]"; a dash when the interval measured nothing. */
function intervalText(i: EvalInterval, f: (v: number) => string): string {
  if (i.estimate === null) return '–';
  return i.low === null || i.high === null ? f(i.estimate) : `${f(i.estimate)} [${f(i.low)} … ${f(i.high)}]`;
}

function failedText(s: EvalAgentScore): string {
  if (s.failed.failed === 0) return '0';
  return `${s.failed.failed} (${s.failed.agent} agent, ${s.failed.environment} environment)`;
}

/**
 * An evaluation run: agent A against baseline B on the same (task, seed) pairs, with 95%
 * bootstrap intervals for each and for the paired difference, as interval charts and tables.
 */
export function EvalRunReport({ view }: { view: EvalRunView }) {
  if (view.state === 'unreadable')
    return (
      <section className="eval-run" aria-labelledby="eval-run-title">
        <h2 id="eval-run-title">Evaluation</h2>
        <p role="alert" className="error-text">
          <code>{view.code}</code>: {view.message} ({view.hint})
        </p>
      </section>
    );
  const sides = [view.a, ...(view.b ? [view.b] : [])];
  const level = view.a.successRate.level;
  const d = view.difference;
  const rows = (
    pick: (s: EvalAgentScore) => EvalInterval,
    diff: EvalInterval | undefined,
    diffFormat: (v: number) => string,
  ) => [
    ...sides.map((s, i) => ({
      label: s.label.toUpperCase(),
      className: i === 0 ? 'curve-a' : 'curve-b',
      ...pick(s),
    })),
    ...(diff
      ? [
          {
            label: `${view.a.label.toUpperCase()} − ${view.b?.label.toUpperCase()}`,
            className: 'curve-d',
            format: diffFormat,
            ...diff,
          },
        ]
      : []),
  ];
  return (
    <section className="eval-run" aria-labelledby="eval-run-title">
      <h2 id="eval-run-title">
        Evaluation{view.b ? ': paired comparison' : ''} on {view.env}
      </h2>
      <p>
        {view.split === 'eval' ? 'Held-out tasks' : 'All tasks (the spec holds none out)'}: {view.tasks} task
        {view.tasks === 1 ? '' : 's'} × {view.episodesPerTask} seed{view.episodesPerTask === 1 ? '' : 's'}{' '}
        (from {view.seed}){d ? `, ${d.pairs} pairs played by both agents` : ''}. Intervals are{' '}
        {Math.round(level * 100)}% bootstrap intervals.
      </p>
      {!view.complete && (
        <p role="status" className="eval-warning">
          Incomplete: {view.failed} episode{view.failed === 1 ? '' : 's'} failed or did not finish; the
          figures cover complete pairs only. Run the same evaluation again into this folder to finish it.
        </p>
      )}
      <div className="table-scroll">
        <table className="eval-tasks">
          <caption className="muted">
            Success is the share of episodes that reached the goal; return is the episode's summed reward.
          </caption>
          <thead>
            <tr>
              <th scope="col">side</th>
              <th scope="col" className="eval-agent">
                agent
              </th>
              <th scope="col">episodes</th>
              <th scope="col">success rate [{Math.round(level * 100)}% CI]</th>
              <th scope="col">mean return [{Math.round(level * 100)}% CI]</th>
              <th scope="col">failed episodes</th>
            </tr>
          </thead>
          <tbody>
            {sides.map((s) => (
              <tr key={s.label}>
                <th scope="row">{s.label.toUpperCase()}</th>
                <td className="eval-agent">
                  <code>{s.agent}</code>
                </td>
                <td>{s.episodes}</td>
                <td>{intervalText(s.successRate, percent)}</td>
                <td>{intervalText(s.meanReturn, formatValue)}</td>
                <td>{failedText(s)}</td>
              </tr>
            ))}
            {d && (
              <tr className="eval-difference">
                <th scope="row">
                  {view.a.label.toUpperCase()} − {view.b?.label.toUpperCase()}
                </th>
                <td className="eval-agent">paired difference</td>
                <td>{d.pairs} pairs</td>
                <td>{intervalText(d.successRate, points)}</td>
                <td>{intervalText(d.meanReturn, signed)}</td>
                <td />
              </tr>
            )}
          </tbody>
        </table>
      </div>

      <div className="eval-charts">
        <IntervalChart
          id="eval-success"
          title="Success rate"
          axisLabel="success rate (share of episodes)"
          rows={rows((s) => s.successRate, d?.successRate, points)}
          domain={[0, 1]}
          format={percent}
          level={level}
        />
        <IntervalChart
          id="eval-return"
          title="Mean return"
          axisLabel="mean return (reward units)"
          rows={rows((s) => s.meanReturn, d?.meanReturn, signed)}
          format={formatValue}
          level={level}
        />
      </div>

      <h3>Per task</h3>
      {view.perTask.length === 0 ? (
        <p className="muted">No task has a complete episode: there is nothing to compare yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="eval-tasks">
            <thead>
              <tr>
                <th scope="col">task</th>
                <th scope="col">episodes</th>
                <th scope="col">{view.a.label.toUpperCase()} success</th>
                {view.b && <th scope="col">{view.b.label.toUpperCase()} success</th>}
                <th scope="col">{view.a.label.toUpperCase()} mean return</th>
                {view.b && <th scope="col">{view.b.label.toUpperCase()} mean return</th>}
                {view.b && <th scope="col">return difference</th>}
              </tr>
            </thead>
            <tbody>
              {view.perTask.map((t) => (
                <tr key={t.taskIndex}>
                  <th scope="row">
                    {t.taskIndex}
                    {t.taskId && <span className="muted"> · {t.taskId}</span>}
                  </th>
                  <td>{t.episodes}</td>
                  <td>{percent(t.a.successRate)}</td>
                  {t.b && <td>{percent(t.b.successRate)}</td>}
                  <td>{formatValue(t.a.meanReturn)}</td>
                  {t.b && <td>{formatValue(t.b.meanReturn)}</td>}
                  {t.b && <td>{signed(t.a.meanReturn - t.b.meanReturn)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
