import { type LoaderFunctionArgs, useLoaderData } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { episodeFile } from '../../server/episodeView.ts';
import { DiffPage } from '../replay/DiffPage.tsx';
import { RunErrorPage } from '../replay/RunErrorPage.tsx';

/**
 * `/runs/:id/diff?a=<path>&b=<path>[&bRun=<run id>]`: two episode files (B of another run with
 * `bRun`), each read only through the run's folder. They are parsed and aligned in the page.
 */
export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const url = new URL(request.url);
  const id = params.id ?? '';
  const pathA = url.searchParams.get('a') ?? '';
  const pathB = url.searchParams.get('b') ?? '';
  const runB = url.searchParams.get('bRun') || id;
  if (!pathA || !pathB)
    throw new Response(
      'Name two episodes to compare: ?a=<episode path>&b=<episode path> (and &bRun=<run id>)',
      {
        status: 404,
        statusText: 'Not Found',
      },
    );
  const [a, b] = await Promise.all([episodeFile(studio, id, pathA), episodeFile(studio, runB, pathB)]);
  if (!a)
    throw new Response(`No episode "${pathA}" in run "${id}"`, { status: 404, statusText: 'Not Found' });
  if (!b)
    throw new Response(`No episode "${pathB}" in run "${runB}"`, { status: 404, statusText: 'Not Found' });
  return { a, b };
}

export function meta() {
  return [{ title: 'Compare episodes · Palestra Studio' }];
}

export default function Diff() {
  const { a, b } = useLoaderData<typeof loader>();
  return <DiffPage a={a} b={b} />;
}

/** An unknown run or episode: say so and lead back to the runs. */
export function ErrorBoundary() {
  return <RunErrorPage id="diff-error-title" failed="These episodes cannot be compared" />;
}
