import { Link, useLoaderData, useSearchParams } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { homeData, type RunSummary } from '../../server/home.ts';
import { ImportForm } from './importForm.tsx';

/** `0x1c0e0a56…3b8c`: enough of a root to tell two apart on a page (the full one is its title). */
function shortRoot(root: string): string {
  return root.length > 16 ? `${root.slice(0, 10)}…${root.slice(-4)}` : root;
}

/**
 * The catalog and the studio's own environments with their latest runs, read on the server on
 * every visit (specs on disk and the runs folder may have changed).
 */
export async function loader({ context }: { context: unknown }) {
  const data = await homeData(studioContext(context));
  return {
    ...data,
    // Shortened here: the page shows them, the full roots stay in titles.
    environments: data.environments.map((e) => ({
      ...e,
      shortRoot: e.headRoot ? shortRoot(e.headRoot) : null,
    })),
  };
}

export function meta() {
  return [{ title: 'Environments · Palestra Studio' }];
}

function Runs({ runs, label }: { runs: RunSummary[]; label: string }) {
  if (runs.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <ul aria-label={label} className="run-list">
      {runs.map((r) => (
        <li key={r.folder}>
          <code>{r.folder}</code> · {r.kind} · <code title={r.envRoot}>{shortRoot(r.envRoot)}</code>
        </li>
      ))}
    </ul>
  );
}

export default function Environments() {
  const { catalog, environments, otherRuns } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const imported = params.get('imported');
  const importedEnv = imported ? environments.find((e) => e.id === imported) : undefined;
  return (
    <section aria-labelledby="environments-title">
      <h1 id="environments-title">Environments</h1>
      {importedEnv && (
        <p role="status" className="notice">
          Imported <strong>{importedEnv.name}</strong> as a new environment.
        </p>
      )}
      <p className="muted">
        The catalog's environments and yours. Open one to see its statechart, tools and tasks.
      </p>

      <h2 id="import-title">Import a GymSpec</h2>
      <ImportForm />

      <h2 id="yours-title">Your environments</h2>
      {environments.length === 0 ? (
        <p className="muted">None yet: import a GymSpec file above.</p>
      ) : (
        <ul className="env-list" aria-labelledby="yours-title">
          {environments.map((env) => (
            <li key={env.id} className="env-card" data-env-id={env.id}>
              <h3>{env.name}</h3>
              <dl aria-label={`${env.name} in brief`}>
                <div>
                  <dt>Source</dt>
                  <dd>{env.sourceRef ? `${env.source}: ${env.sourceRef}` : env.source}</dd>
                </div>
                <div>
                  <dt>Head</dt>
                  <dd>
                    {env.headRoot ? (
                      <code title={env.headRoot}>{shortRoot(env.headRoot)}</code>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </dd>
                </div>
              </dl>
              <Runs runs={env.runs} label={`Latest runs of ${env.name}`} />
            </li>
          ))}
        </ul>
      )}

      <h2 id="catalog-title">Catalog</h2>
      <ul className="env-list" aria-labelledby="catalog-title">
        {catalog.map((env) => (
          <li key={env.name} className="env-card">
            <h3>
              <Link to={`/env/${encodeURIComponent(env.name)}`}>{env.name}</Link>
            </h3>
            {env.error ? (
              <p className="error-text">Does not load: {env.error}</p>
            ) : (
              <>
                {env.description && <p>{env.description}</p>}
                <dl aria-label={`${env.name} in numbers`}>
                  <div>
                    <dt>States</dt>
                    <dd>{env.states}</dd>
                  </div>
                  <div>
                    <dt>Tools</dt>
                    <dd>{env.tools}</dd>
                  </div>
                  <div>
                    <dt>Tasks</dt>
                    <dd>{env.tasks}</dd>
                  </div>
                  <div>
                    <dt>Train</dt>
                    <dd>{env.train}</dd>
                  </div>
                  <div>
                    <dt>Eval</dt>
                    <dd>{env.eval}</dd>
                  </div>
                </dl>
                <Runs runs={env.runs} label={`Latest runs of ${env.name}`} />
              </>
            )}
          </li>
        ))}
      </ul>

      {otherRuns.length > 0 && (
        <>
          <h2 id="other-runs-title">Other runs</h2>
          <Runs runs={otherRuns} label="Runs of other environments" />
        </>
      )}
    </section>
  );
}
