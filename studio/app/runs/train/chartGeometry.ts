/**
 * The pure geometry of the studio's line charts (training curves per step): scales, "nice" ticks,
 * polylines and ± bands in SVG coordinates. No DOM and no React, so it is tested in Node and the
 * component only draws what this returns.
 */

/** A point of a curve: `x` the step, `y` the value, `lo`/`hi` an optional band (mean ± std). */
export interface CurvePoint {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

export interface ChartBox {
  width: number;
  height: number;
  margin: { left: number; right: number; top: number; bottom: number };
}

export const DEFAULT_BOX: ChartBox = {
  width: 460,
  height: 220,
  margin: { left: 56, right: 14, top: 14, bottom: 40 },
};

/** A tick: its value, its position along the axis, and its label. */
export interface Tick {
  value: number;
  at: number;
  label: string;
}

export interface CurveGeometry {
  /** Polyline `points` attribute ("x,y x,y …"); empty with fewer than two points. */
  line: string;
  /** Polygon `points` of the ± band; empty when fewer than two points carry one. */
  band: string;
  dots: Array<{ cx: number; cy: number; point: CurvePoint }>;
}

export interface LineGeometry {
  curves: CurveGeometry[];
  xTicks: Tick[];
  yTicks: Tick[];
  /** The plotting area, in SVG coordinates. */
  plot: { x0: number; x1: number; y0: number; y1: number };
  /** Where a step range begins and ends on the x axis (to shade the SFT warm-start steps). */
  xOf: (step: number) => number;
}

/** A number as an axis or table shows it: 3 significant digits, integers as they are. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return Number(v.toPrecision(3)).toString();
}

/**
 * About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k), the first at or
 * below lo and the last at or above hi.
 *
 * @example
 * niceTicks(0.13, 0.87, 5) // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v < hi + step - 1e-9 * step; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Integer step ticks from `from` to `to`, at most about `count` of them. */
export function stepTicks(from: number, to: number, count = 10): number[] {
  const span = Math.max(1, to - from);
  const every = Math.max(1, Math.ceil(span / count));
  const ticks: number[] = [];
  for (let s = from; s <= to; s += every) ticks.push(s);
  if (ticks.at(-1) !== to) ticks.push(to);
  return ticks;
}

/**
 * The geometry of curves over steps `fromStep … toStep` in `box`: the y range covers every point
 * and band edge of every curve (rounded out to nice ticks), so curves drawn on one chart share it.
 *
 * @example
 * const g = lineGeometry([[{ x: 1, y: 0.2 }, { x: 2, y: 0.5 }]], { fromStep: 0, toStep: 2 });
 * g.curves[0].line // "56,166 251,…"
 */
export function lineGeometry(
  curves: CurvePoint[][],
  steps: { fromStep: number; toStep: number },
  box: ChartBox = DEFAULT_BOX,
): LineGeometry {
  const { width, height, margin } = box;
  const plot = { x0: margin.left, x1: width - margin.right, y0: margin.top, y1: height - margin.bottom };
  const values = curves.flatMap((c) => c.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  const finite = values.filter(Number.isFinite);
  const yValues = niceTicks(
    finite.length ? Math.min(...finite) : 0,
    finite.length ? Math.max(...finite) : 1,
    5,
  );
  const yLo = yValues[0] ?? 0;
  const yHi = yValues.at(-1) ?? 1;
  const from = steps.fromStep;
  const to = Math.max(steps.toStep, from + 1);
  const xOf = (s: number) => plot.x0 + ((s - from) / (to - from)) * (plot.x1 - plot.x0);
  const yOf = (v: number) => plot.y1 - ((v - yLo) / (yHi - yLo || 1)) * (plot.y1 - plot.y0);
  const r = (v: number) => Math.round(v * 100) / 100;
  const xTicks = stepTicks(from, to).map((s) => ({ value: s, at: r(xOf(s)), label: String(s) }));
  const yTicks = yValues.map((v) => ({ value: v, at: r(yOf(v)), label: formatValue(v) }));
  const geometry = curves.map((points): CurveGeometry => {
    const sorted = [...points].sort((a, b) => a.x - b.x);
    const withBand = sorted.filter((p) => p.lo !== undefined && p.hi !== undefined);
    return {
      line: sorted.length > 1 ? sorted.map((p) => `${r(xOf(p.x))},${r(yOf(p.y))}`).join(' ') : '',
      band:
        withBand.length > 1
          ? [
              ...withBand.map((p) => `${r(xOf(p.x))},${r(yOf(p.hi!))}`),
              ...[...withBand].reverse().map((p) => `${r(xOf(p.x))},${r(yOf(p.lo!))}`),
            ].join(' ')
          : '',
      dots: sorted.map((p) => ({ cx: r(xOf(p.x)), cy: r(yOf(p.y)), point: p })),
    };
  });
  return { curves: geometry, xTicks, yTicks, plot, xOf: (s: number) => r(xOf(s)) };
}

/**
 * A curve in words, for a chart's accessible description: how many points, first and last, lowest
 * and highest (with their steps).
 *
 * @example
 * describeCurve('loss', [{ x: 1, y: 0.9 }, { x: 2, y: 0.4 }]) // "loss: 2 points, step 1: 0.9 → step 2: 0.4; lowest 0.4 (step 2), highest 0.9 (step 1)."
 */
export function describeCurve(label: string, points: CurvePoint[], format = formatValue): string {
  if (points.length === 0) return `${label}: no data.`;
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const first = sorted[0]!;
  const last = sorted.at(-1)!;
  const low = sorted.reduce((m, p) => (p.y < m.y ? p : m));
  const high = sorted.reduce((m, p) => (p.y > m.y ? p : m));
  const n = `${sorted.length} point${sorted.length === 1 ? '' : 's'}`;
  if (sorted.length === 1) return `${label}: ${n}, step ${first.x}: ${format(first.y)}.`;
  return `${label}: ${n}, step ${first.x}: ${format(first.y)} → step ${last.x}: ${format(last.y)}; lowest ${format(low.y)} (step ${low.x}), highest ${format(high.y)} (step ${high.x}).`;
}
