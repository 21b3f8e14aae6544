import { useState } from 'react';
import { Link, type LoaderFunctionArgs, useLoaderData } from 'react-router';
import { environmentDetail } from '../../server/catalog.ts';
import { checkOutcome } from '../../server/checkOutcome.ts';
import { checkState } from '../../server/checkStatus.ts';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';
import { serverLayout } from '../../server/serverLayout.ts';
import { CanvasPane, canvasLinks } from '../components/CanvasPane.tsx';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { ExportMenu } from '../export/ExportMenu.tsx';
import { SidePanel } from '../panel/SidePanel.tsx';
import { ProblemsList } from '../problems/ProblemsList.tsx';
import { useCheck } from '../problems/useCheck.ts';

export const links = () => canvasLinks;

/**
 * One environment (a catalog name or a studio id); an unknown one is a 404 (the ErrorBoundary
 * below renders it). The checker's findings come with it when this root was checked before;
 * otherwise the check starts and the page polls for it (`useCheck`).
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const env = params.name === undefined ? undefined : await environmentSource(studio, params.name);
  if (!env)
    throw new Response(`No environment named "${params.name}"`, { status: 404, statusText: 'Not Found' });
  const layout = await serverLayout(env.root, env.spec);
  const check = checkOutcome(await checkState(studio, env, { start: false }));
  // The spec itself too: the canvas lays its machine out in the browser.
  return {
    ...environmentDetail(env.spec),
    ref: env.ref,
    name: env.name,
    kind: env.kind,
    root: env.root,
    spec: env.spec,
    files: env.files,
    check,
    layout,
  };
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `${data?.name ?? 'Environment'} · Palestra Studio` }];
}

export default function Environment() {
  const env = useLoaderData<typeof loader>();
  const check = useCheck(env.ref, env.check);
  const [selected, setSelected] = useState<string | undefined>();
  const problems = check.state === 'done' ? check.problems : [];

  return (
    <article aria-labelledby="env-title">
      <p>
        <Link to="/">← Environments</Link>
      </p>
      <h1 id="env-title">{env.name}</h1>
      {env.description && <p>{env.description}</p>}
      <div className="env-actions">
        <span className="muted">
          {env.states} states · {env.tools.length} tools · {env.kind === 'catalog' ? 'catalog' : 'studio'}{' '}
          environment · root <code title={env.root}>{env.root.slice(0, 10)}…</code>
        </span>
        <Link to={`/env/${encodeURIComponent(env.ref)}/simulate`} className="button-link">
          Simulate
        </Link>
        <Link to={`/env/${encodeURIComponent(env.ref)}/run`} className="button-link">
          Run agents
        </Link>
        <Link to={`/env/${encodeURIComponent(env.ref)}/learnability`} className="button-link">
          Learnability
        </Link>
        <ExportMenu spec={env.spec} name={env.name} />
      </div>

      <div className="env-layout">
        <div className="canvas-column">
          <CanvasPane
            spec={env.spec}
            layout={env.layout}
            problems={problems}
            selected={selected}
            onSelect={setSelected}
          />
          {check.state === 'done' ? (
            <ProblemsList problems={problems} spec={env.spec} selected={selected} onSelect={setSelected} />
          ) : (
            <section
              className="problems-list"
              aria-labelledby="problems-title"
              aria-busy={check.state === 'pending'}
            >
              <h2 id="problems-title">Problems</h2>
              {check.state === 'pending' ? (
                <p className="muted">Checking the environment…</p>
              ) : (
                <p role="alert" className="error-text">
                  The checker could not run (<code>{check.code}</code>): {check.message}
                  {check.hint && <> {check.hint}</>}
                </p>
              )}
            </section>
          )}
        </div>
        <SidePanel spec={env.spec} files={env.files} />
      </div>
    </article>
  );
}

/** An unknown environment: say so and lead back to the list. */
export function ErrorBoundary() {
  return <EnvErrorPage id="env-error-title" failed="This environment cannot be shown" />;
}
