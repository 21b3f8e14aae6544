import { data, Link, redirect, useActionData } from 'react-router';
import type { Membership } from '../../server/auth/members.ts';
import { targetWorkspace } from '../../server/auth/targetWorkspace.ts';
import { studioContext } from '../../server/context.ts';
import { type ImportProblem, importFromRequest } from '../../server/importSpec.ts';
import { ImportForm } from './importForm.tsx';

/**
 * Imports a posted file (a GymSpec, an XState machine or a Mermaid state diagram) or pasted text
 * into a new studio environment. A GymSpec goes straight to the environments list; a converted
 * machine stays here with what the conversion dropped, renamed or left for the author to write.
 * A refused file comes back with why (each spec problem at its JSON path, a machine file's line
 * and column), and nothing is written.
 */
export async function action({ request, context }: { request: Request; context: unknown }) {
  // Into the workspace of the link (`/import?workspace=<id>`), else the default one.
  const target = await targetWorkspace(
    context as { membership?: Membership },
    request,
    new URL(request.url).searchParams.get('workspace'),
  );
  if (!target.ok)
    return data(
      { problem: { status: target.status, message: target.message, hint: target.hint } as ImportProblem },
      { status: target.status },
    );
  const outcome = await importFromRequest(request, studioContext(context), {
    workspaceId: target.workspaceId,
  });
  if (outcome.ok && outcome.conversion)
    return data({
      imported: { id: outcome.environment.id, name: outcome.environment.name, report: outcome.conversion },
    });
  if (outcome.ok) return redirect(`/?imported=${encodeURIComponent(outcome.environment.id)}`);
  return data({ problem: outcome.problem }, { status: outcome.problem.status });
}

export function meta() {
  return [{ title: 'Import an environment · Palestra Studio' }];
}

const listed = (names: string[]) =>
  names.map((n, i) => (
    <span key={n}>
      {i > 0 && ', '}
      <code>{n}</code>
    </span>
  ));

export default function Import() {
  const result = useActionData<typeof action>();
  const problem = result && 'problem' in result ? result.problem : undefined;
  const imported = result && 'imported' in result ? result.imported : undefined;
  const report = imported?.report;
  return (
    <section aria-labelledby="import-title">
      <p>
        <Link to="/">← Environments</Link>
      </p>
      <h1 id="import-title">Import an environment</h1>
      {imported && report && (
        <div role="status" className="import-done" aria-labelledby="import-done-title">
          <h2 id="import-done-title">
            Imported <strong>{imported.name}</strong> from {report.format}
          </h2>
          <p>
            <Link to={`/env/${encodeURIComponent(imported.id)}`} className="button-link">
              Open {imported.name}
            </Link>
          </p>
          <p>
            The agent gets one tool per event, without parameters: {listed(report.tools)}. There is one task,
            and the observation shows the active states; describe them in the environment.
          </p>
          {(report.placeholders.guards.length > 0 || report.placeholders.actions.length > 0) && (
            <div>
              <h3>To write</h3>
              <p>
                The machine names these but does not define them (XState keeps their code apart, Mermaid only
                draws their names). Each is a placeholder until you write it in the environment's side panel:
                a guard that is always true, an action that changes nothing.
              </p>
              <ul aria-label="Placeholders to write">
                {report.placeholders.guards.length > 0 && (
                  <li>Guards: {listed(report.placeholders.guards)}</li>
                )}
                {report.placeholders.actions.length > 0 && (
                  <li>Actions: {listed(report.placeholders.actions)}</li>
                )}
              </ul>
            </div>
          )}
          {report.warnings.length > 0 && (
            <div>
              <h3>Changed on the way ({report.warnings.length})</h3>
              <ul aria-label="Import warnings" className="import-warnings">
                {report.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
      {problem && (
        <div role="alert" className="import-problem">
          <p className="error-text">Not imported: {problem.message}. Nothing was saved.</p>
          {problem.position && (
            <p>
              Look at line <strong>{problem.position.line}</strong>, column {problem.position.column}.
            </p>
          )}
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
