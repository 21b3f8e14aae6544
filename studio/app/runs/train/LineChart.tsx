import { type CurvePoint, describeCurve, formatValue, lineGeometry } from './chartGeometry.ts';

/** A curve to draw: its points may be tagged with the kind of step (`sft` points drawn hollow). */
export interface ChartCurve {
  label: string;
  /** `curve-a` … `curve-d`: the colour, from the stylesheet (it follows the theme). */
  className: string;
  points: Array<CurvePoint & { kind?: string }>;
}

export interface LineChartProps {
  /** Unique on the page: ids of the title and description derive from it. */
  id: string;
  title: string;
  /** The y axis's name, with its unit. */
  yLabel: string;
  curves: ChartCurve[];
  fromStep: number;
  toStep: number;
  /** Steps to shade (SFT warm-start): from … to, with a label. */
  shade?: { from: number; to: number; label: string };
  /** How values read (axis and descriptions). */
  format?: (v: number) => string;
}

/**
 * A line chart over training steps, drawn by us in SVG: axes with ticks and names, a ± band where
 * the points carry one, dots with their values on hover, SFT warm-start steps shaded and drawn
 * hollow; its title and a description in words are the image's accessible name and description.
 */
export function LineChart({ id, title, yLabel, curves, fromStep, toStep, shade, format }: LineChartProps) {
  const g = lineGeometry(
    curves.map((c) => c.points),
    { fromStep, toStep },
  );
  const fmt = format ?? formatValue;
  const { x0, x1, y0, y1 } = g.plot;
  const empty = curves.every((c) => c.points.length === 0);
  // The shaded band covers its steps' half-intervals, clipped to the axis.
  const shadeX = shade ? g.xOf(Math.max(fromStep, shade.from - 0.5)) : 0;
  const shadeW = shade ? Math.max(0, g.xOf(Math.min(toStep, shade.to + 0.5)) - shadeX) : 0;
  const description = curves.map((c) => describeCurve(c.label, c.points, fmt)).join(' ');
  return (
    <figure className="line-chart">
      <svg
        viewBox={`0 0 ${x1 + 14} ${y1 + 40}`}
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {shade && shade.to >= shade.from && (
          <g className="chart-shade">
            <rect x={shadeX} y={y0} width={shadeW} height={y1 - y0} />
            <text x={shadeX + 4} y={y0 + 12}>
              {shade.label}
            </text>
          </g>
        )}
        <g className="chart-grid">
          {g.yTicks.map((t) => (
            <line key={t.value} x1={x0} x2={x1} y1={t.at} y2={t.at} />
          ))}
        </g>
        <g className="chart-axis">
          <line x1={x0} x2={x0} y1={y0} y2={y1} />
          <line x1={x0} x2={x1} y1={y1} y2={y1} />
          {g.yTicks.map((t) => (
            <text key={t.value} x={x0 - 6} y={t.at + 4} textAnchor="end">
              {fmt(t.value)}
            </text>
          ))}
          {g.xTicks.map((t) => (
            <text key={t.value} x={t.at} y={y1 + 16} textAnchor="middle">
              {t.label}
            </text>
          ))}
          <text x={(x0 + x1) / 2} y={y1 + 34} textAnchor="middle" className="chart-axis-name">
            step
          </text>
          <text
            x={12}
            y={(y0 + y1) / 2}
            textAnchor="middle"
            className="chart-axis-name"
            transform={`rotate(-90 12 ${(y0 + y1) / 2})`}
          >
            {yLabel}
          </text>
        </g>
        {empty && (
          <text x={(x0 + x1) / 2} y={(y0 + y1) / 2} textAnchor="middle" className="chart-empty">
            no data in this run
          </text>
        )}
        {g.curves.map((c, i) => {
          const curve = curves[i]!;
          return (
            <g key={curve.label} className={`chart-curve ${curve.className}`}>
              {c.band && <polygon className="chart-band" points={c.band} />}
              {c.line && <polyline className="chart-line" points={c.line} />}
              {c.dots.map((d) => {
                const kind = (d.point as { kind?: string }).kind;
                return (
                  <circle
                    key={d.point.x}
                    cx={d.cx}
                    cy={d.cy}
                    r={3.5}
                    className={kind === 'sft' ? 'chart-dot chart-dot-sft' : 'chart-dot'}
                  >
                    <title>
                      {`${curve.label} · step ${d.point.x}${kind ? ` (${kind})` : ''}: ${fmt(d.point.y)}${
                        d.point.lo !== undefined && d.point.hi !== undefined
                          ? ` (${fmt(d.point.lo)} … ${fmt(d.point.hi)})`
                          : ''
                      }`}
                    </title>
                  </circle>
                );
              })}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{title}</strong>
        {curves.map((c) => (
          <span key={c.label} className={`chart-key ${c.className}`}>
            <span aria-hidden="true" className="chart-swatch" /> {c.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
