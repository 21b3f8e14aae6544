import { Prng } from '@palestra/envs';

export interface Interval {
  /** The statistic on the data itself. */
  estimate: number;
  low: number;
  high: number;
  /** e.g. 0.95 */
  level: number;
}

export interface BootstrapOptions {
  /** Resamples. Default 2000. */
  resamples?: number;
  /** Confidence level. Default 0.95. */
  level?: number;
  /** Seed of the resampling, so a report is reproducible. Default 0. */
  seed?: number;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Percentile bootstrap confidence interval of the mean, with seeded resampling: the same data and
 * seed give the same interval. For paired comparisons pass the per-unit differences.
 *
 * @example
 * bootstrapMean([1, 0, 1, 1], { seed: 7 }) // { estimate: 0.75, low: 0.25, high: 1, level: 0.95 }
 */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): Interval {
  const level = options.level ?? 0.95;
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, level };
  const estimate = values.reduce((a, b) => a + b, 0) / n;
  const resamples = options.resamples ?? 2000;
  const rng = new Prng(options.seed ?? 0);
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[r] = sum / n;
  }
  means.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return { estimate, low: quantile(means, alpha), high: quantile(means, 1 - alpha), level };
}
