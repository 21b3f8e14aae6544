import { catalogNames } from '@palestra/envs/catalog';
import { useState } from 'react';
import {
  type ActionFunctionArgs,
  data,
  Link,
  type LoaderFunctionArgs,
  type ShouldRevalidateFunctionArgs,
  useLoaderData,
} from 'react-router';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';
import { peekHeader } from '../../server/episodeView.ts';
import { saveEpisodeFromRequest } from '../../server/saveEpisode.ts';
import { serverLayout } from '../../server/serverLayout.ts';
import { workingCopy } from '../../server/versions/workingCopy.ts';
import { CanvasPane, canvasLinks } from '../components/CanvasPane.tsx';
import { ClientOnly } from '../components/ClientOnly.tsx';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { SimulatorPanel } from '../components/SimulatorPanel.tsx';
import '../versions/versions.css';

export const links = () => canvasLinks;

/**
 * The spec and its files: the page builds the environment itself and plays it in the browser. A
 * studio environment plays its working copy (the collaborative document as the studio holds it),
 * which the page labels when it differs from the head version; a catalog environment plays as it is.
 */
export async function loader({ params, context, request }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const head = params.name === undefined ? undefined : await environmentSource(studio, params.name);
  if (!head)
    throw new Response(`No environment named "${params.name}"`, { status: 404, statusText: 'Not Found' });
  const copy = head.kind === 'studio' ? await workingCopy(studio, request, head) : undefined;
  const env = copy?.env ?? head;
  const { ref, name, root, spec, files, modules } = env;
  return {
    ref,
    name,
    root,
    spec,
    files,
    modules,
    layout: await serverLayout(root, spec),
    playing: copy?.kind ?? ('catalog' as const),
    headRoot: head.root,
    problem: copy?.kind === 'head' ? (copy.problem ?? null) : null,
  };
}

/**
 * "Save episode": the page posts the current timeline's record; it is saved as a run only if it is
 * a valid record of this environment (see `saveEpisode`), else the problem comes back to the page.
 * A studio environment's record names the root it was played at (the head, or a working copy the
 * loader served): the environment is loaded at that root.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const name = params.name ?? '';
  const outcome = await saveEpisodeFromRequest(
    request,
    studioContext(context),
    await playedRef(request, name),
  );
  if (outcome.ok) return data({ saved: outcome.saved });
  const { status, ...problem } = outcome.problem;
  return data({ problem }, { status });
}

/** `<name>@<root>` for the root a posted record names, else `name` (a catalog environment). */
async function playedRef(request: Request, name: string): Promise<string> {
  if (catalogNames().includes(name)) return name;
  try {
    const text = ((await request.clone().json()) as { text?: unknown } | null)?.text;
    const root = typeof text === 'string' ? peekHeader(text.split('\n', 1)[0] ?? '')?.root : undefined;
    return root && /^0x[0-9a-fA-F]{64}$/.test(root) ? `${name}@${root.toLowerCase()}` : name;
  } catch {
    return name;
  }
}

/**
 * Saving changes nothing the loader gives: reloading it would hand the panel a new spec object,
 * and the panel would rebuild the environment and lose the episode being played.
 */
export function shouldRevalidate({ formMethod, defaultShouldRevalidate }: ShouldRevalidateFunctionArgs) {
  return formMethod?.toUpperCase() === 'POST' ? false : defaultShouldRevalidate;
}

export function meta({ params }: { params: { name?: string } }) {
  return [{ title: `Simulate ${params.name ?? ''} · Palestra Studio` }];
}

export default function Simulate() {
  const { ref, name, root, spec, files, layout, playing, problem } = useLoaderData<typeof loader>();
  const [active, setActive] = useState<string[]>([]);
  return (
    <article aria-labelledby="sim-title">
      <p>
        <Link to={`/env/${encodeURIComponent(ref)}`}>← {name}</Link>
      </p>
      <h1 id="sim-title">Simulate {name}</h1>
      <PlayingNote envRef={ref} playing={playing} root={root} problem={problem} />
      <div className="env-layout">
        <CanvasPane spec={spec} layout={layout} active={active} />
        <aside className="side-panel" aria-label="Simulator">
          <ClientOnly fallback={<p aria-busy="true">Starting the environment…</p>}>
            {() => <SimulatorPanel spec={spec} files={files} root={root} onActive={setActive} />}
          </ClientOnly>
        </aside>
      </div>
    </article>
  );
}

/** Which content the page plays: the working copy, the head version, or why not the working copy. */
function PlayingNote({
  envRef,
  playing,
  root,
  problem,
}: {
  envRef: string;
  playing: 'working' | 'head' | 'catalog';
  root: string;
  problem: { code: string; message: string; hint?: string; path?: string } | null;
}) {
  if (playing === 'catalog') return null;
  const versions = <Link to={`/env/${encodeURIComponent(envRef)}/versions`}>versions</Link>;
  if (playing === 'working')
    return (
      <p className="working-copy-note" data-playing="working">
        Playing the <strong>working copy (uncommitted changes)</strong>, root{' '}
        <code title={root}>{root.slice(0, 12)}…</code>: it differs from the head version. Commit it to keep it
        among the {versions}.
      </p>
    );
  return (
    <p className="muted" data-playing="head">
      Playing the head version (<code title={root}>{root.slice(0, 12)}…</code>)
      {problem ? (
        <>
          : the working copy cannot be played (<code>{problem.code}</code>
          {problem.path && (
            <>
              {' '}
              at <code>{problem.path}</code>
            </>
          )}
          : {problem.message}).
        </>
      ) : (
        <>, which the working copy equals.</>
      )}{' '}
      See the {versions}.
    </p>
  );
}

/** An unknown environment: say so and lead back to the list. */
export function ErrorBoundary() {
  return <EnvErrorPage id="sim-error-title" failed="This environment cannot be played" />;
}
