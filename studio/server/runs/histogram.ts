/**
 * Equal-width bins of a run's returns, for the run page's reward histogram (drawn by the page
 * itself in SVG: no chart library).
 */

/** One bin: `[low, high)`, the last one `[low, high]`. */
export interface Bin {
  low: number;
  high: number;
  count: number;
}

/**
 * Bins `values` into at most `maxBins` equal-width bins (about √n of them, at least one). When
 * every value is the same there is one bin of width zero at that value.
 *
 * @example
 * histogram([0, 0, 1, 1])   // [{ low: 0, high: 0.5, count: 2 }, { low: 0.5, high: 1, count: 2 }]
 */
export function histogram(values: readonly number[], maxBins = 20): Bin[] {
  if (values.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return [{ low: min, high: max, count: values.length }];
  const n = Math.max(1, Math.min(maxBins, Math.ceil(Math.sqrt(values.length))));
  const width = (max - min) / n;
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({
    low: min + i * width,
    high: i === n - 1 ? max : min + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) {
    // The maximum falls in the last bin, not in a bin of its own.
    const i = Math.min(n - 1, Math.floor((v - min) / width));
    (bins[i] as Bin).count++;
  }
  return bins;
}
