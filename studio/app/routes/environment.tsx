import { useEffect, useState } from 'react';
import { Link, type LoaderFunctionArgs, useLoaderData } from 'react-router';
import { environmentDetail } from '../../server/catalog.ts';
import { checkReport } from '../../server/checkStatus.ts';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';
import { CanvasPane, canvasLinks } from '../components/CanvasPane.tsx';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { ExportMenu } from '../export/ExportMenu.tsx';
import { SidePanel } from '../panel/SidePanel.tsx';
import { ProblemsList } from '../problems/ProblemsList.tsx';
import { type Problem, problemsOf } from '../problems/problemsOf.ts';

export const links = () => canvasLinks;

/** The checker's problems, or why the check could not run (said in the page, never a pass). */
type CheckOutcome =
  | { ok: true; problems: Problem[] }
  | { ok: false; code: string; message: string; hint?: string };

/**
 * One environment (a catalog name or a studio id); an unknown one is a 404 (the ErrorBoundary
 * below renders it). The checker's findings are streamed after the page (`problems` is a promise):
 * the first check of an environment takes a second or two, and its result is cached by root.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const env = params.name === undefined ? undefined : await environmentSource(studio, params.name);
  if (!env)
    throw new Response(`No environment named "${params.name}"`, { status: 404, statusText: 'Not Found' });
  const problems: Promise<CheckOutcome> = checkReport(studio, env).then(
    (report) => ({ ok: true, problems: problemsOf(report) }),
    (e: unknown) => {
      const err = e as { code?: string; message?: string; hint?: string };
      return {
        ok: false,
        code: err.code ?? 'CHECK_FAILED',
        message: err.message ?? String(e),
        ...(err.hint !== undefined && { hint: err.hint }),
      };
    },
  );
  // The spec itself too: the canvas lays its machine out in the browser.
  return {
    ...environmentDetail(env.spec),
    ref: env.ref,
    name: env.name,
    kind: env.kind,
    root: env.root,
    spec: env.spec,
    files: env.files,
    problems,
  };
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `${data?.name ?? 'Environment'} · Palestra Studio` }];
}

export default function Environment() {
  const env = useLoaderData<typeof loader>();
  const [check, setCheck] = useState<CheckOutcome | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    setCheck(undefined);
    Promise.resolve(env.problems).then((outcome) => {
      if (live) setCheck(outcome);
    });
    return () => {
      live = false;
    };
  }, [env.problems]);
  const problems = check?.ok ? check.problems : [];

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
        <ExportMenu spec={env.spec} name={env.name} />
      </div>

      <div className="env-layout">
        <div className="canvas-column">
          <CanvasPane spec={env.spec} problems={problems} selected={selected} onSelect={setSelected} />
          <section className="problems" aria-labelledby="problems-title" aria-busy={check === undefined}>
            <h2 id="problems-title">Problems</h2>
            {check === undefined ? (
              <p className="muted">Checking the environment…</p>
            ) : !check.ok ? (
              <p role="alert" className="error-text">
                The checker could not run (<code>{check.code}</code>): {check.message}
                {check.hint && <> {check.hint}</>}
              </p>
            ) : check.problems.length === 0 ? (
              <p>The checker found no problem.</p>
            ) : (
              <ProblemsList problems={problems} spec={env.spec} selected={selected} onSelect={setSelected} />
            )}
          </section>
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
