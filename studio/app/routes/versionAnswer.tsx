import type { LoaderFunctionArgs } from 'react-router';
import { takeAnswer } from '../../server/versions/answers.ts';

/**
 * The JSON answer of a versions action a JSON client posted (`server/versions/answers.ts`): read
 * once, with the action's status. A resource route: no page.
 */
export function loader({ params }: LoaderFunctionArgs) {
  const answer = takeAnswer(params.key ?? '');
  if (!answer)
    return Response.json(
      { code: 'STUDIO_BAD_REQUEST', message: 'no such answer: it was read already or expired' },
      { status: 404 },
    );
  return Response.json(answer.body, { status: answer.status });
}
