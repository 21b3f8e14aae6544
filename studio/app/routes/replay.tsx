import { type LoaderFunctionArgs, useLoaderData, useSearchParams } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { episodeView } from '../../server/episodeView.ts';
import { canvasLinks } from '../components/CanvasPane.tsx';
import { ReplayPage } from '../replay/ReplayPage.tsx';
import { RunErrorPage } from '../replay/RunErrorPage.tsx';

export const links = () => canvasLinks;

/**
 * One episode of a run (`params['*']`, its path inside the run folder): its text, the environment
 * that recorded it with its server layout, and the other episodes of its task. The record is
 * checked and re-played in the browser.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const view = await episodeView(studioContext(context), params.id ?? '', params['*'] ?? '');
  if (!view)
    throw new Response(`No episode "${params['*'] ?? ''}" in run "${params.id ?? ''}"`, {
      status: 404,
      statusText: 'Not Found',
    });
  return view;
}

export function meta({ params }: { params: Record<string, string | undefined> }) {
  return [{ title: `Replay ${params['*'] ?? ''} · Palestra Studio` }];
}

export default function Replay() {
  const view = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const step = Number(search.get('step') ?? 0);
  return (
    <ReplayPage
      key={`${view.runId}/${view.path}`}
      view={view}
      initialStep={Number.isInteger(step) ? step : 0}
    />
  );
}

/** An unknown run or episode: say so and lead back to the runs. */
export function ErrorBoundary() {
  return <RunErrorPage id="replay-error-title" failed="This episode cannot be replayed" />;
}
