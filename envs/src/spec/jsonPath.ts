/**
 * `['tools', 0, 'event']` → `$.tools[0].event`: the JSON path every spec error is located by.
 *
 * @example
 * jsonPath(['machine', 'states', 'a b']) // '$.machine.states["a b"]'
 */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) out += pathSegment(p);
  return out;
}

/** One step of a JSON path: `.key`, `["odd key"]` or `[3]`. */
export function pathSegment(p: PropertyKey): string {
  if (typeof p === 'number') return `[${p}]`;
  if (typeof p === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) return `.${p}`;
  return `[${JSON.stringify(String(p))}]`;
}
