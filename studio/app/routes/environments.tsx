import { Link, useLoaderData } from 'react-router';
import { catalogSummaries } from '../../server/catalog.ts';

/** The catalog, read on the server on every visit (specs on disk may have changed). */
export function loader() {
  return { environments: catalogSummaries() };
}

export function meta() {
  return [{ title: 'Environments · Palestra Studio' }];
}

export default function Environments() {
  const { environments } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="environments-title">
      <h1 id="environments-title">Environments</h1>
      <p className="muted">The catalog's environments. Open one to see its statechart, tools and tasks.</p>
      <ul className="env-list">
        {environments.map((env) => (
          <li key={env.name} className="env-card">
            <h2>
              <Link to={`/env/${encodeURIComponent(env.name)}`}>{env.name}</Link>
            </h2>
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
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
