/**
 * The pure geometry of the random baseline's return histogram (the CLI draws it as bars of block
 * characters): one horizontal bar per bin, its label the bin's range, widths relative to the
 * largest count.
 */
import type { LearnabilityReport } from '@palestra/runtime';

export interface HistogramBar {
  /** The bin's range as the CLI labels it (`-0.958 … -0.886`; the value itself when all are equal). */
  label: string;
  count: number;
  y: number;
  width: number;
}

export interface HistogramGeometry {
  width: number;
  height: number;
  /** Where bars start, and their greatest width. */
  x0: number;
  barMax: number;
  barHeight: number;
  bars: HistogramBar[];
}

/**
 * Bars for `h` in a chart `width` wide (labels on the left, counts after the bars).
 *
 * @example
 * histogramGeometry({ min: 0, max: 1, width: 0.5, counts: [3, 1] }).bars[1].width // a third of the longest
 */
export function histogramGeometry(h: LearnabilityReport['histogram'], width = 520): HistogramGeometry {
  const x0 = 140;
  const barMax = width - x0 - 50;
  const barHeight = 18;
  const most = Math.max(1, ...h.counts);
  const bars = h.counts.map((count, i) => {
    const lo = h.min + i * h.width;
    return {
      label: h.width === 0 ? `${h.min}` : `${lo.toFixed(3)} … ${(lo + h.width).toFixed(3)}`,
      count,
      y: 6 + i * (barHeight + 4),
      width: Math.round((count / most) * barMax * 100) / 100,
    };
  });
  return { width, height: 6 + bars.length * (barHeight + 4) + 30, x0, barMax, barHeight, bars };
}
