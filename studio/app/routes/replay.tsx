import { type LoaderFunctionArgs, useLoaderData, useSearchParams } from 'react-router';
import { type StudioContext, studioContext } from '../../server/context.ts';
import { episodeView } from '../../server/episodeView.ts';
import { runVersion } from '../../server/versions/runVersion.ts';
import { canvasLinks } from '../components/CanvasPane.tsx';
import { ReplayPage } from '../replay/ReplayPage.tsx';
import { RunErrorPage } from '../replay/RunErrorPage.tsx';
import { RunVersionNote } from '../versions/RunVersionNote.tsx';

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
  return {
    ...view,
    version: await episodeVersion(studioContext(context), params.id ?? '', view.header?.root),
  };
}

/**
 * The version the episode ran (by the root in its header) and whether it is still the head of its
 * environment: the canvas is drawn from the episode's own root, so the page says which version that is.
 */
async function episodeVersion(studio: StudioContext, runId: string, root: string | null | undefined) {
  if (!root) return null;
  const run = await studio.repo.getRun(runId);
  const version = await runVersion(studio, root, run?.environmentId ?? null);
  if (!version) return null;
  const env = await studio.repo.getEnvironment(version.environmentId);
  return { ...version, isHead: env?.headRoot === version.root };
}

export function meta({ params }: { params: Record<string, string | undefined> }) {
  return [{ title: `Replay ${params['*'] ?? ''} · Palestra Studio` }];
}

export default function Replay() {
  const view = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const step = Number(search.get('step') ?? 0);
  return (
    <>
      {view.version && (
        <p className="replay-version" role="note">
          The canvas shows the environment as this episode ran it:{' '}
          <RunVersionNote version={view.version} lead="" />
          {view.version.isHead ? ' (the head version today).' : ', not the head version of today.'}
        </p>
      )}
      <ReplayPage
        key={`${view.runId}/${view.path}`}
        view={view}
        initialStep={Number.isInteger(step) ? step : 0}
      />
    </>
  );
}

/** An unknown run or episode: say so and lead back to the runs. */
export function ErrorBoundary() {
  return <RunErrorPage id="replay-error-title" failed="This episode cannot be replayed" />;
}
