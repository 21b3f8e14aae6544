/**
 * Follows an error's `cause` chain, in the manner of viem's `BaseError.walk`: with a predicate,
 * the first error (outermost first) that satisfies it, or `undefined` when none does; without one,
 * the innermost cause (the root of the chain). Any value may sit in the chain (a plain `Error`, a
 * string, a library's error); a chain that loops back on itself stops at the first repeat instead
 * of walking forever.
 *
 * @example
 * walk(error, (e) => e instanceof PalestraError)    // the outermost Palestra error, if any
 * walk(error)                                       // the root cause
 */
export function walk(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  // A Set of the errors seen so far: `cause` is a plain property anyone can set, so a cycle is
  // possible (`a.cause = b; b.cause = a`) and must not hang the CLI that prints the error.
  const seen = new Set<unknown>();
  let current = error;
  for (;;) {
    if (predicate?.(current)) return current;
    seen.add(current);
    const next = causeOf(current);
    if (next === undefined || seen.has(next)) return predicate ? undefined : current;
    current = next;
  }
}

/** The `cause` of an object that has one, else `undefined`. */
function causeOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('cause' in value)) return undefined;
  return value.cause;
}
