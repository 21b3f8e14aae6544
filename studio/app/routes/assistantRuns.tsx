import type { LoaderFunctionArgs } from 'react-router';
import { assistantCaller } from '../../server/assistant/assistantCaller.ts';
import { errorResponse } from '../../server/assistant/assistantRequest.ts';
import { AssistantError } from '../../server/assistant/errors.ts';
import { environmentRuns, runSummary } from '../../server/assistant/runSummaries.ts';
import { studioContext } from '../../server/context.ts';

/**
 * `/env/:name/assistant/runs`: what the design assistant reads of the environment's runs, the list,
 * or with `?run=<id>` one run's summary (members only; a run of another environment is not found).
 */
export async function loader({ params, context, request }: LoaderFunctionArgs) {
  const caller = await assistantCaller(context, request, params.name);
  try {
    if (!caller.env) throw new AssistantError('ASSISTANT_NOT_FOUND', 'no such environment', { status: 404 });
    if (caller.member === undefined)
      throw new AssistantError('ASSISTANT_FORBIDDEN', 'sign in to read runs', { status: 401 });
    const studio = studioContext(context);
    const id = new URL(request.url).searchParams.get('run');
    if (id === null) return Response.json(await environmentRuns(studio, params.name!));
    const summary = await runSummary(studio, params.name!, id);
    if (!summary)
      throw new AssistantError('ASSISTANT_NOT_FOUND', `no run "${id}" of this environment`, {
        status: 404,
        hint: 'list_runs gives the ids',
      });
    return Response.json({ run: summary });
  } catch (e) {
    return errorResponse(e);
  }
}
