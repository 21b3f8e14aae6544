import type { LearnabilityReport } from '@palestra/runtime';
import { histogramGeometry } from './histogramGeometry.ts';
import { findingMark, learnabilityHeading, learnabilityVerdict, vsRandomText } from './verdict.ts';

const pct = (v: number, digits = 0) => `${(100 * v).toFixed(digits)}%`;

/** The random baseline's returns as horizontal bars (the CLI's block-character histogram). */
function ReturnsHistogram({ histogram }: { histogram: LearnabilityReport['histogram'] }) {
  const g = histogramGeometry(histogram);
  const total = histogram.counts.reduce((a, b) => a + b, 0);
  const description =
    g.bars.length === 0
      ? 'No complete random episode.'
      : g.bars.map((b) => `${b.label}: ${b.count} episode${b.count === 1 ? '' : 's'}`).join('; ');
  return (
    <figure className="histogram-chart">
      <svg
        viewBox={`0 0 ${g.width} ${g.height}`}
        role="img"
        aria-labelledby="returns-histogram-title"
        aria-describedby="returns-histogram-desc"
      >
        <title id="returns-histogram-title">Returns of the random baseline</title>
        <desc id="returns-histogram-desc">{description}</desc>
        {g.bars.map((b) => (
          <g key={b.label} className="chart-curve curve-a">
            <text x={g.x0 - 8} y={b.y + g.barHeight - 5} textAnchor="end" className="chart-row-label">
              {b.label}
            </text>
            <rect className="histogram-bar" x={g.x0} y={b.y} width={b.width} height={g.barHeight} />
            <text x={g.x0 + b.width + 6} y={b.y + g.barHeight - 5} className="histogram-count">
              {b.count}
            </text>
          </g>
        ))}
        <text x={g.x0} y={g.height - 8} className="chart-axis-name">
          episodes per return range ({total} in all)
        </text>
      </svg>
      <figcaption>
        <strong>Returns of the random baseline</strong>
      </figcaption>
    </figure>
  );
}

/**
 * A learnability report as the CLI prints it (`palestra learnability`), with the same verdicts in
 * the same words: what was measured, a row per agent (baselines and degenerate probes), the random
 * baseline's returns, the findings, and the closing verdict.
 */
export function LearnabilityReportView({ report }: { report: LearnabilityReport }) {
  const verdict = learnabilityVerdict(report);
  return (
    <section className="learnability-report" aria-labelledby="learnability-report-title">
      <h2 id="learnability-report-title">Report</h2>
      <p
        className={`learnability-verdict learnability-verdict-${verdict.level}`}
        data-testid="learnability-verdict"
      >
        {verdict.text}
      </p>
      <p className="muted">{learnabilityHeading(report)}</p>
      <div className="table-scroll">
        <table className="learnability-table">
          <caption className="muted">
            Figures are over complete episodes; "vs random" is the probe's mean return minus random's, in
            reward units. A probe games the reward when it beats random by more than the margin and earns
            reward random does not (or nears the best return the spec allows).
          </caption>
          <thead>
            <tr>
              <th scope="col">agent</th>
              <th scope="col">kind</th>
              <th scope="col">failed</th>
              <th scope="col">return mean ± sd</th>
              <th scope="col">earned</th>
              <th scope="col">success</th>
              <th scope="col">mean length (steps)</th>
              <th scope="col">invalid</th>
              <th scope="col">flat groups</th>
              <th scope="col">vs random</th>
            </tr>
          </thead>
          <tbody>
            {report.results.map((x) => (
              <tr key={x.name} className={x.games ? 'learnability-games' : undefined}>
                <th scope="row">{x.name}</th>
                <td>{x.kind}</td>
                <td>{x.failed.failed}</td>
                {x.episodes === 0 ? (
                  ['return', 'earned', 'success', 'length', 'invalid', 'flat'].map((k) => <td key={k}>-</td>)
                ) : (
                  <>
                    <td>
                      {x.meanReturn.toFixed(3)} ± {x.stdReturn.toFixed(3)}
                    </td>
                    <td>{x.meanEarned.toFixed(3)}</td>
                    <td>{pct(x.successRate)}</td>
                    <td>{x.meanLength.toFixed(1)}</td>
                    <td>{pct(x.invalidShare)}</td>
                    <td>{pct(x.flatGroups)}</td>
                  </>
                )}
                <td className="learnability-vs">{vsRandomText(x)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ReturnsHistogram histogram={report.histogram} />
      <h3>Findings</h3>
      {report.findings.length === 0 ? (
        <p className="muted">No findings.</p>
      ) : (
        <ul className="learnability-findings">
          {report.findings.map((f) => (
            <li key={f.message} className={`learnability-finding-${f.level}`}>
              <span aria-hidden="true">{findingMark(f.level)}</span>{' '}
              <span className="learnability-sr">{f.level}: </span>
              {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
