import { canonicalJson } from '../episode/hash.ts';

/** Where two plays of the same episode first differ: step 0 is the reset. */
export interface Divergence {
  step: number;
  /** Dotted path inside the step result: `observation.text`, `info.rewardComponents[0].micros`. */
  field: string;
  expected: unknown;
  actual: unknown;
}

/**
 * The first difference between two traces (reset result, then step results), compared as canonical
 * JSON field by field in key order, like `replay` does; undefined when they are the same.
 *
 * @example
 * firstDivergence([r, s1], [r, s1b]) // → { step: 1, field: 'reward', expected: 1, actual: 0 }
 */
export function firstDivergence(expected: unknown[], actual: unknown[]): Divergence | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let step = 0; step < n; step++) {
    if (step >= expected.length || step >= actual.length)
      return {
        step,
        field: '(step)',
        expected: step < expected.length ? 'a step' : 'no step',
        actual: step < actual.length ? 'a step' : 'no step',
      };
    const at = firstDifference(toJson(expected[step]), toJson(actual[step]), '');
    if (at) return { step, ...at };
  }
  return undefined;
}

/** Values as canonical JSON would see them (undefined fields gone, numbers as JSON prints them). */
function toJson(v: unknown): unknown {
  return JSON.parse(canonicalJson(v));
}

function firstDifference(
  a: unknown,
  b: unknown,
  path: string,
): { field: string; expected: unknown; actual: unknown } | undefined {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = firstDifference(a[i], b[i], `${path}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    if (!Array.isArray(a) && !Array.isArray(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) {
        const d = firstDifference(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          path ? `${path}.${k}` : k,
        );
        if (d) return d;
      }
      return undefined;
    }
  }
  const same = a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b);
  return same ? undefined : { field: path || '(value)', expected: a, actual: b };
}

/** A value short enough for one line of a report. */
export function shortJson(v: unknown): string {
  const s = v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
