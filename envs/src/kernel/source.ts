import { parseSpec } from '../spec/parse.ts';
import type { GymSpec } from '../spec/schema.ts';

/** A spec together with its code files: what a bundle holds and what `makeEnv` runs. */
export interface EnvSource {
  spec: GymSpec;
  files: Record<string, string>;
}

/** Validates a raw spec and its files into an `EnvSource` (throws `SpecError` with JSON paths). */
export function envSource(rawSpec: unknown, files: Record<string, string> = {}): EnvSource {
  return { spec: parseSpec(rawSpec, files), files };
}

/** True when any guard, action, reward, observation or task generator lives in a code module. */
export function usesModules(spec: GymSpec): boolean {
  return (
    Object.values(spec.guards).some((g) => g.module !== undefined) ||
    Object.values(spec.actions).some((a) => a.module !== undefined) ||
    spec.reward.rules.some((r) => r.module !== undefined) ||
    spec.observation.module !== undefined ||
    'module' in spec.tasks
  );
}
