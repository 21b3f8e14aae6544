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
import { saveEpisodeFromRequest } from '../../server/saveEpisode.ts';
import { serverLayout } from '../../server/serverLayout.ts';
import { CanvasPane, canvasLinks } from '../components/CanvasPane.tsx';
import { ClientOnly } from '../components/ClientOnly.tsx';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { SimulatorPanel } from '../components/SimulatorPanel.tsx';

export const links = () => canvasLinks;

/** The spec and its files: the page builds the environment itself and plays it in the browser. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const env =
    params.name === undefined ? undefined : await environmentSource(studioContext(context), params.name);
  if (!env)
    throw new Response(`No environment named "${params.name}"`, { status: 404, statusText: 'Not Found' });
  const { ref, name, root, spec, files, modules } = env;
  return { ref, name, root, spec, files, modules, layout: await serverLayout(root, spec) };
}

/**
 * "Save episode": the page posts the current timeline's record; it is saved as a run only if it is
 * a valid record of this environment (see `saveEpisode`), else the problem comes back to the page.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const outcome = await saveEpisodeFromRequest(request, studioContext(context), params.name ?? '');
  if (outcome.ok) return data({ saved: outcome.saved });
  const { status, ...problem } = outcome.problem;
  return data({ problem }, { status });
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
  const { ref, name, root, spec, files, layout } = useLoaderData<typeof loader>();
  const [active, setActive] = useState<string[]>([]);
  return (
    <article aria-labelledby="sim-title">
      <p>
        <Link to={`/env/${encodeURIComponent(ref)}`}>← {name}</Link>
      </p>
      <h1 id="sim-title">Simulate {name}</h1>
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

/** An unknown environment: say so and lead back to the list. */
export function ErrorBoundary() {
  return <EnvErrorPage id="sim-error-title" failed="This environment cannot be played" />;
}
