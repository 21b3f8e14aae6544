import { PalestraError } from '../errors.ts';
import type { Env } from '../kernel/env.ts';
import { type CheckFinding, fail, pass } from './report.ts';

/** Order enforcement (Gymnasium's `make()` wrapper): `step()` before `reset()` must throw STEP_BEFORE_RESET. */
export function checkOrder(env: Env): CheckFinding {
  const hint = 'an environment must refuse to step before reset (makeEnv does this: build it with makeEnv)';
  try {
    env.step({ text: 'hello' });
    return fail('order', 'ORDER_NOT_ENFORCED', 'step() before reset() did not throw', { hint });
  } catch (e) {
    return e instanceof PalestraError && e.code === 'STEP_BEFORE_RESET'
      ? pass('order', 'step() before reset() throws STEP_BEFORE_RESET')
      : fail(
          'order',
          'ORDER_NOT_ENFORCED',
          `step() before reset() threw ${e instanceof PalestraError ? e.code : (e as Error).message}, not STEP_BEFORE_RESET`,
          { hint },
        );
  }
}
