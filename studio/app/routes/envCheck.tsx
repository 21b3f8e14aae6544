import type { LoaderFunctionArgs } from 'react-router';
import { checkOutcome } from '../../server/checkOutcome.ts';
import { checkState } from '../../server/checkStatus.ts';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';

/**
 * `/env/:name/check`: where the quick check of an environment stands (a resource route the pages
 * poll while a first check runs). Starts the check when none has run.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const env = params.name === undefined ? undefined : await environmentSource(studio, params.name);
  if (!env)
    throw new Response(`No environment named "${params.name}"`, { status: 404, statusText: 'Not Found' });
  return checkOutcome(await checkState(studio, env));
}
