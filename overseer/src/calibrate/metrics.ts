/**
 * Agreement statistics for comparing judges on a labelled set. Written here (a few lines each)
 * rather than pulled from a statistics package: these are the textbook definitions, tested
 * against hand-computed values.
 */

/** Share of items where the two binary decisions (score ≥ threshold) agree. */
export function agreement(a: number[], b: number[], threshold = 0.5): number {
  check(a, b);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! >= threshold === b[i]! >= threshold) same++;
  return same / a.length;
}

/** Average ranks (ties share the mean rank), 1-based. */
export function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = r;
    i = j + 1;
  }
  return out;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? Number.NaN : num / Math.sqrt(da * db);
}

/** Spearman's rank correlation (Pearson on average ranks; NaN if either side is constant). */
export function spearman(a: number[], b: number[]): number {
  check(a, b);
  return pearson(ranks(a), ranks(b));
}

/** Cohen's kappa on the binary decisions (score ≥ threshold). */
export function cohensKappa(a: number[], b: number[], threshold = 0.5): number {
  check(a, b);
  const n = a.length;
  const pa = a.filter((x) => x >= threshold).length / n;
  const pb = b.filter((x) => x >= threshold).length / n;
  const po = agreement(a, b, threshold);
  const pe = pa * pb + (1 - pa) * (1 - pb);
  return pe === 1 ? (po === 1 ? 1 : Number.NaN) : (po - pe) / (1 - pe);
}

function check(a: number[], b: number[]): void {
  if (a.length !== b.length || a.length === 0)
    throw new RangeError(`need two equal, non-empty lists (got ${a.length} and ${b.length})`);
}
