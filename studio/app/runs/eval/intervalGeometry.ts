/**
 * The pure geometry of an interval chart (estimates with their confidence intervals on one shared
 * axis, zero marked): rows top to bottom, values left to right. Tested in Node; the component
 * draws what this returns.
 */
import { formatValue, niceTicks, type Tick } from '../train/chartGeometry.ts';

/** A row: an estimate and its interval (null where nothing was measured). */
export interface IntervalRow {
  label: string;
  estimate: number | null;
  low: number | null;
  high: number | null;
}

export interface IntervalGeometry {
  width: number;
  height: number;
  plot: { x0: number; x1: number; y0: number; y1: number };
  ticks: Tick[];
  /** Where zero is on the axis (the "no difference" line), when the axis includes it. */
  zero: number | null;
  rows: Array<{
    row: IntervalRow;
    y: number;
    /** x of the estimate and the interval's ends; null where the row has no value. */
    x: number | null;
    lo: number | null;
    hi: number | null;
  }>;
}

const ROW = 34;

/**
 * Rows of intervals on one axis that covers every end and zero (always shown, so a difference
 * reads against "no difference"), rounded out to nice ticks; `domain` sets the least range the
 * axis covers (success rates: 0 … 1).
 *
 * @example
 * intervalGeometry([{ label: 'a − b', estimate: 0.5, low: 0.25, high: 0.75 }]).rows[0].x // 346
 */
export function intervalGeometry(
  rows: IntervalRow[],
  options: { width?: number; labelWidth?: number; domain?: [number, number] } = {},
): IntervalGeometry {
  const width = options.width ?? 520;
  const labelWidth = options.labelWidth ?? 170;
  const plot = { x0: labelWidth, x1: width - 20, y0: 8, y1: 8 + rows.length * ROW };
  const ends = rows
    .flatMap((r) => [r.estimate, r.low, r.high])
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const values = niceTicks(
    Math.min(0, options.domain?.[0] ?? 0, ...ends),
    Math.max(0, options.domain?.[1] ?? 0, ...ends),
    5,
  );
  const lo = values[0] ?? 0;
  const hi = values.at(-1) ?? 1;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const xOf = (v: number) => r2(plot.x0 + ((v - lo) / (hi - lo || 1)) * (plot.x1 - plot.x0));
  const at = (v: number | null) => (v === null || !Number.isFinite(v) ? null : xOf(v));
  return {
    width,
    height: plot.y1 + 34,
    plot,
    ticks: values.map((v) => ({ value: v, at: xOf(v), label: formatValue(v) })),
    zero: lo <= 0 && hi >= 0 ? xOf(0) : null,
    rows: rows.map((row, i) => ({
      row,
      y: plot.y0 + i * ROW + ROW / 2,
      x: at(row.estimate),
      lo: at(row.low),
      hi: at(row.high),
    })),
  };
}
