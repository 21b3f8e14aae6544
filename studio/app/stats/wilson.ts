/**
 * The Wilson score interval of a success rate: the interval a run page shows around "k of n
 * episodes succeeded". Unlike the normal approximation it stays inside [0, 1] and is honest at
 * 0 of n and n of n, which small runs (8 random episodes on frozen-lake) hit all the time.
 */

/** A rate with its confidence interval. */
export interface RateInterval {
  /** Successes. */
  k: number;
  /** Trials. */
  n: number;
  /** k / n (0 when n is 0). */
  rate: number;
  low: number;
  high: number;
  /** e.g. 0.95 */
  level: number;
}

/** z of a two-sided 95% interval (the only level the pages show). */
const Z95 = 1.959963984540054;

/**
 * The 95% Wilson interval of k successes in n trials; with n = 0 the interval is all of [0, 1].
 *
 * @example
 * wilson(0, 8)   // { k: 0, n: 8, rate: 0, low: 0, high: 0.324…, level: 0.95 }
 */
export function wilson(k: number, n: number): RateInterval {
  if (n === 0) return { k, n, rate: 0, low: 0, high: 1, level: 0.95 };
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // Rounding can push an end a hair outside [0, 1] (k = 0 or k = n): clamp it.
  return { k, n, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), level: 0.95 };
}
