import { parseSpec } from '@palestra/envs/core';

type Json = Record<string, unknown>;

/**
 * The least and most an episode can return under `spec`'s reward rules, ignoring the bounds it
 * declares: `parseSpec` derives bounds for a spec that declares none when every rule is a
 * constant (`deriveRewardBounds`). Undefined when a rule is an expression or a module, or while
 * the spec does not parse. The panel compares it with the declared bounds: a spec seeded without
 * rules declares `[0, 0]`, and the first rule an author adds would fail every step that pays it.
 *
 * @example
 * rulesRange(toSpec(doc).spec, filesOf(doc)) // { min: 0, max: 1 }
 */
export function rulesRange(
  spec: unknown,
  files: Record<string, string>,
): { min: number; max: number } | undefined {
  if (!spec || typeof spec !== 'object') return undefined;
  const s = spec as Json;
  const reward = (s.reward ?? {}) as Json;
  try {
    const parsed = parseSpec({ ...s, reward: { rules: reward.rules ?? [] } }, files);
    return parsed.reward.bounds;
  } catch {
    // The live check shows why; nothing to compare until it parses.
    return undefined;
  }
}
