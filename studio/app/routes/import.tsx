import { data, Link, redirect, useActionData } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { importFromRequest } from '../../server/importSpec.ts';
import { ImportForm } from './importForm.tsx';

/**
 * Imports a posted GymSpec file into a new studio environment; a refused file comes back to this
 * page with why (and each spec problem at its JSON path), and nothing is written.
 */
export async function action({ request, context }: { request: Request; context: unknown }) {
  const outcome = await importFromRequest(request, studioContext(context));
  if (outcome.ok) return redirect(`/?imported=${encodeURIComponent(outcome.environment.id)}`);
  return data({ problem: outcome.problem }, { status: outcome.problem.status });
}

export function meta() {
  return [{ title: 'Import a GymSpec · Palestra Studio' }];
}

export default function Import() {
  const result = useActionData<typeof action>();
  const problem = result?.problem;
  return (
    <section aria-labelledby="import-title">
      <p>
        <Link to="/">← Environments</Link>
      </p>
      <h1 id="import-title">Import a GymSpec</h1>
      {problem && (
        <div role="alert" className="import-problem">
          <p className="error-text">Not imported: {problem.message}. Nothing was saved.</p>
          {problem.issues && (
            <ul aria-label="Problems in the spec">
              {problem.issues.map((issue) => (
                <li key={`${issue.path}:${issue.message}`}>
                  <code>{issue.path}</code>: {issue.message}
                  {issue.hint && <span className="muted"> ({issue.hint})</span>}
                </li>
              ))}
            </ul>
          )}
          {problem.hint && <p>{problem.hint}</p>}
        </div>
      )}
      <ImportForm />
    </section>
  );
}
