import { canonicalJson } from '../episode/hash.ts';
import { type Env, makeEnv } from '../kernel/env.ts';
import { Prng } from '../kernel/prng.ts';
import { sampleAction } from '../kernel/sample.ts';
import type { EnvSource } from '../kernel/source.ts';
import { type CheckFinding, fail, notRun, pass } from './report.ts';

/** Reset clears everything: an episode on a used environment equals the same episode on a fresh one. */
export async function checkResetHygiene(source: EnvSource, used: Env, seed: number): Promise<CheckFinding> {
  let fresh: Env | undefined;
  try {
    fresh = await makeEnv(source, { trackEntries: true });
    const probe = sampleAction(source.spec, new Prng(seed + 7));
    const a = [used.reset({ seed: seed + 999 })];
    const b = [fresh.reset({ seed: seed + 999 })];
    const same = canonicalJson([...a, used.step(probe)]) === canonicalJson([...b, fresh.step(probe)]);
    return same
      ? pass('reset', 'reset() clears everything (a used env equals a fresh one)')
      : fail('reset', 'RESET_LEAKS', 'reset() leaves state behind: a used env differs from a fresh one', {
          hint: 'keep no state in module variables: everything an episode needs belongs in the context',
        });
  } catch (e) {
    return notRun(
      'reset',
      `an episode on a fresh environment failed: ${(e as Error).message.split('\n')[0]}`,
    );
  } finally {
    fresh?.close();
  }
}
