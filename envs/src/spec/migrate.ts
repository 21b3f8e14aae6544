/**
 * Spec migrations: each entry lifts a spec from version n to n+1, so a spec written for an older
 * Palestra still loads. Version 0 is the draft shape of the design notes: `reward` was a bare list
 * of rules and `tasks.split` gave both shares (`{ train, eval }`).
 *
 * These lift the raw JSON, before validation. One more step runs after it, in `parseSpec`
 * (`withDerivedBounds`): a spec without `reward.bounds` gets the bounds its constant rules imply
 * (`deriveRewardBounds`), which needs the validated spec (defaults filled, references checked).
 */
type Json = Record<string, unknown>;

export const MIGRATIONS: Record<number, (spec: Json) => Json> = {
  0: (spec) => {
    const out: Json = { ...spec, specVersion: 1 };
    if (Array.isArray(spec.reward)) out.reward = { rules: spec.reward };
    const tasks = spec.tasks as Json | undefined;
    const split = tasks?.split as Json | undefined;
    if (split && typeof split === 'object' && 'train' in split) {
      out.tasks = { ...tasks, split: { eval: split.eval ?? 1 - Number(split.train) } };
    }
    return out;
  },
};

/** Applies every migration from the spec's `specVersion` up to `target`. */
export function migrateSpec(spec: Json, target: number): Json {
  let current = spec;
  let version = typeof current.specVersion === 'number' ? current.specVersion : 0;
  while (version < target) {
    const step = MIGRATIONS[version];
    if (!step) break;
    current = step(current);
    version += 1;
  }
  return current;
}
