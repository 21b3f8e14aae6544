import { type IntervalRow, intervalGeometry } from './intervalGeometry.ts';

export interface IntervalChartProps {
  id: string;
  title: string;
  /** The axis's name, with its unit. */
  axisLabel: string;
  /** Rows with their colour class and, when it differs from the chart's, their own format (a difference in pp). */
  rows: Array<IntervalRow & { className: string; format?: (v: number) => string }>;
  /** The least range the axis covers (success rates: [0, 1]). */
  domain?: [number, number];
  format: (v: number) => string;
  /** The confidence level, for the description (0.95). */
  level: number;
}

const text = (v: number | null, f: (v: number) => string) => (v === null ? 'not measured' : f(v));

/**
 * Estimates with their confidence intervals on one axis (zero marked), drawn by us in SVG; its
 * title and each row in words are the image's accessible name and description.
 */
export function IntervalChart({ id, title, axisLabel, rows, domain, format, level }: IntervalChartProps) {
  const g = intervalGeometry(rows, domain ? { domain } : {});
  const { x0, x1, y0, y1 } = g.plot;
  const pct = `${Math.round(level * 100)}%`;
  const description = rows
    .map((r) => {
      const f = r.format ?? format;
      return `${r.label}: ${text(r.estimate, f)}${r.low !== null && r.high !== null ? ` (${pct} interval ${f(r.low)} … ${f(r.high)})` : ''}.`;
    })
    .join(' ');
  return (
    <figure className="interval-chart">
      <svg
        viewBox={`0 0 ${g.width} ${g.height}`}
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <g className="chart-grid">
          {g.ticks.map((t) => (
            <line key={t.value} x1={t.at} x2={t.at} y1={y0} y2={y1} />
          ))}
        </g>
        <g className="chart-axis">
          <line x1={x0} x2={x1} y1={y1} y2={y1} />
          {g.ticks.map((t) => (
            <text key={t.value} x={t.at} y={y1 + 14} textAnchor="middle">
              {format(t.value)}
            </text>
          ))}
          <text x={(x0 + x1) / 2} y={y1 + 30} textAnchor="middle" className="chart-axis-name">
            {axisLabel}
          </text>
          {g.zero !== null && <line className="chart-zero" x1={g.zero} x2={g.zero} y1={y0} y2={y1} />}
        </g>
        {g.rows.map((r) => {
          const row = rows.find((x) => x.label === r.row.label)!;
          return (
            <g key={r.row.label} className={`chart-curve ${row.className}`}>
              <text x={x0 - 8} y={r.y + 4} textAnchor="end" className="chart-row-label">
                {r.row.label}
              </text>
              {r.lo !== null && r.hi !== null && (
                <>
                  <line className="chart-interval" x1={r.lo} x2={r.hi} y1={r.y} y2={r.y} />
                  <line className="chart-interval" x1={r.lo} x2={r.lo} y1={r.y - 6} y2={r.y + 6} />
                  <line className="chart-interval" x1={r.hi} x2={r.hi} y1={r.y - 6} y2={r.y + 6} />
                </>
              )}
              {r.x !== null ? (
                <circle className="chart-dot" cx={r.x} cy={r.y} r={5}>
                  <title>{`${r.row.label}: ${text(r.row.estimate, row.format ?? format)}`}</title>
                </circle>
              ) : (
                <text x={x0 + 6} y={r.y + 4} className="chart-empty">
                  not measured
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{title}</strong>
        <span className="muted">dots: estimates · bars: {pct} bootstrap intervals</span>
      </figcaption>
    </figure>
  );
}
