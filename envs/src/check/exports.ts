import type { GymSpec } from '../spec/schema.ts';
import { type CheckFinding, pass, warn } from './report.ts';

/** Every `file.js#name` the spec names: guards, actions, reward rules, the observation, the task generator. */
export function referencedRefs(spec: GymSpec): Set<string> {
  const refs = new Set<string>();
  for (const g of Object.values(spec.guards)) if (g.module) refs.add(g.module);
  for (const a of Object.values(spec.actions)) if (a.module) refs.add(a.module);
  for (const r of spec.reward.rules) if (r.module) refs.add(r.module);
  if (spec.observation.module) refs.add(spec.observation.module);
  if ('module' in spec.tasks) refs.add(spec.tasks.module);
  return refs;
}

/**
 * Exported functions of the modules that no part of the spec names: often a typo in a reference, or
 * code left behind. A warning, not an error: a helper exported for another module to import is
 * fine. Nothing to say (undefined) for a spec without modules.
 *
 * @example
 * checkUnusedExports(spec, ['lake.js#move', 'lake.js#moev']); // warns about lake.js#moev
 */
export function checkUnusedExports(spec: GymSpec, exported: readonly string[]): CheckFinding | undefined {
  if (exported.length === 0) return undefined;
  const used = referencedRefs(spec);
  const unused = exported.filter((ref) => !used.has(ref));
  return unused.length === 0
    ? pass('exports', `every exported function is named by the spec (${exported.length})`)
    : warn(
        'exports',
        `exported but named nowhere in the spec: ${unused.join(', ')} (a misspelt reference? a helper another module imports is fine)`,
      );
}
