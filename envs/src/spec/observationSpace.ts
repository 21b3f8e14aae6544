import type { ObservationSpaceSpec } from './spaces.ts';

/** Numbers nested in a Box's shape (`[[0, 1], [2, 3]]` for shape [2, 2]). */
export type Nested = number | Nested[];

/**
 * A Box bound as nested lists in `shape`: one number is repeated, nested lists are checked
 * against the shape. Returns a reason instead when the bound does not fit.
 *
 * @example
 * boxBound(0, [2, 2]) // [[0, 0], [0, 0]]
 */
export function boxBound(bound: unknown, shape: readonly number[]): Nested | string {
  if (typeof bound === 'number') {
    if (!Number.isFinite(bound)) return 'a bound is a finite number (JSON has no infinity)';
    const fill = (d: number): Nested =>
      d === shape.length ? bound : Array.from({ length: shape[d]! }, () => fill(d + 1));
    return fill(0);
  }
  const why = shapeProblem(bound, shape, (x) => typeof x === 'number' && Number.isFinite(x));
  return why ?? (bound as Nested);
}

/**
 * Why `value` is not nested lists in `shape` whose elements pass `element`, or undefined.
 * Iterative over the levels (the shape bounds the depth).
 */
export function shapeProblem(
  value: unknown,
  shape: readonly number[],
  element: (x: unknown) => boolean,
): string | undefined {
  let level: unknown[] = [value];
  for (let d = 0; d < shape.length; d++) {
    const next: unknown[] = [];
    for (const v of level) {
      if (!Array.isArray(v))
        return `expected a list at depth ${d} (shape [${shape.join(', ')}]), got ${short(v)}`;
      if (v.length !== shape[d])
        return `expected ${shape[d]} elements at depth ${d} (shape [${shape.join(', ')}]), got ${v.length}`;
      next.push(...v);
    }
    level = next;
  }
  const bad = level.findIndex((x) => !element(x));
  return bad < 0 ? undefined : `element ${short(level[bad])} is not allowed`;
}

function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/**
 * Why `value` is not in the observation space, or undefined. Integers for Discrete,
 * MultiDiscrete and int64 Boxes; a Box value is nested lists in its shape within `low` and `high`.
 */
export function observationValueProblem(space: ObservationSpaceSpec, value: unknown): string | undefined {
  if (space.type === 'Discrete') {
    const start = space.start ?? 0;
    if (!Number.isInteger(value))
      return `expected an integer in [${start}, ${start + space.n}), got ${short(value)}`;
    const v = value as number;
    return v >= start && v < start + space.n ? undefined : `${v} is outside [${start}, ${start + space.n})`;
  }
  if (space.type === 'MultiDiscrete') {
    if (!Array.isArray(value) || value.length !== space.nvec.length)
      return `expected a list of ${space.nvec.length} integers, got ${short(value)}`;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= space.nvec[i]!)
        return `element ${i} is ${short(v)}, not an integer in [0, ${space.nvec[i]})`;
    }
    return undefined;
  }
  const int = space.dtype === 'int64';
  const why = shapeProblem(value, space.shape, (x) =>
    int ? Number.isSafeInteger(x) : typeof x === 'number' && Number.isFinite(x),
  );
  if (why) return `${why} (a Box of ${int ? 'integers' : 'finite numbers'})`;
  const low = boxBound(space.low, space.shape);
  const high = boxBound(space.high, space.shape);
  if (typeof low === 'string' || typeof high === 'string') return 'the Box bounds are invalid';
  const [v, lo, hi] = [flat(value as Nested), flat(low), flat(high)];
  for (let i = 0; i < v.length; i++)
    if (v[i]! < lo[i]! || v[i]! > hi[i]!) return `element ${i} (${v[i]}) is outside [${lo[i]}, ${hi[i]}]`;
  return undefined;
}

/** A Box of shape [1] takes a plain number as its one element. */
export function normalizeObservationValue(space: ObservationSpaceSpec, value: unknown): unknown {
  if (space.type === 'Box' && typeof value === 'number' && space.shape.length === 1 && space.shape[0] === 1)
    return [value];
  return value;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
