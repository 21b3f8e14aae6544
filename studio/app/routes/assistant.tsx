import type { ActionFunctionArgs, LoaderFunctionArgs } from 'react-router';
import { assistantCaller } from '../../server/assistant/assistantCaller.ts';
import { assistantAction, assistantLoader } from '../../server/assistant/assistantRequest.ts';

/**
 * `/env/:name/assistant`, the design assistant's resource route: `GET` the session's model
 * settings (never the key), `POST` JSON to choose a model (the key stays in the studio's memory),
 * forget it, or proxy one model call of a turn (`server/assistant/assistantRequest.ts`).
 */
export async function loader({ params, context, request }: LoaderFunctionArgs) {
  return assistantLoader(await assistantCaller(context, request, params.name));
}

export async function action({ params, context, request }: ActionFunctionArgs) {
  return assistantAction(request, await assistantCaller(context, request, params.name));
}
