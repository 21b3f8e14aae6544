import type { StateNodeSpec } from '../spec/schema.ts';

/**
 * The action type of the entry markers. A colon cannot appear in a spec's action names (they
 * are identifiers), so it never collides with one.
 */
export const ENTERED_ACTION = 'palestra:entered';

/**
 * A copy of a machine config in which every state (not the root, not history pseudo-states)
 * starts its `entry` actions with `{ type: ENTERED_ACTION, params: { path } }`, its dotted path.
 *
 * Why markers rather than diffing snapshots: XState runs a state's entry actions exactly when it
 * enters the state, at every microstep, so the markers see what XState itself considers entered
 * (a transient state left at once by `always`, a state re-entered by `reenter: true`, the states a
 * history target restores, every region of a parallel state), where the active states before and
 * after each microstep would miss re-entries. The markers change nothing else: they assign
 * nothing, and persisted snapshots hold no actions, so records and snapshots stay as they were.
 */
export function markEntries(node: StateNodeSpec, path = ''): StateNodeSpec {
  const out: StateNodeSpec = { ...node };
  if (path && node.type !== 'history') {
    const own = node.entry === undefined ? [] : Array.isArray(node.entry) ? node.entry : [node.entry];
    out.entry = [{ type: ENTERED_ACTION, params: { path } }, ...own];
  }
  if (node.states) {
    const states: Record<string, StateNodeSpec> = {};
    for (const [k, child] of Object.entries(node.states))
      states[k] = markEntries(child, path ? `${path}.${k}` : k);
    out.states = states;
  }
  return out;
}

/** Every state's dotted path (the root excluded), and each `id` mapped to its path. */
export function statePathsOf(
  node: StateNodeSpec,
  path = '',
  out = { paths: new Set<string>(), ids: new Map<string, string>() },
): { paths: Set<string>; ids: Map<string, string> } {
  if (path) out.paths.add(path);
  if (node.id) out.ids.set(node.id, path);
  for (const [k, child] of Object.entries(node.states ?? {}))
    statePathsOf(child, path ? `${path}.${k}` : k, out);
  return out;
}
