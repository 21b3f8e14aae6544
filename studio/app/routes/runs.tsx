import { data, Link, useActionData, useLoaderData } from 'react-router';
import { mayDeleteRun, requestAccess } from '../../server/auth/access.ts';
import type { Membership } from '../../server/auth/members.ts';
import { studioContext } from '../../server/context.ts';
import { deleteRun } from '../../server/runs/deleteRun.ts';
import { runListRows } from '../../server/runs/runList.ts';
import { RunsTable } from '../runs/list/RunsTable.tsx';

/**
 * Every registered run, those the CLI wrote included (it registers them with the running studio,
 * and the studio indexes `.palestra/runs/` on start), read from the database on every visit.
 */
export async function loader({ context, request }: { context: unknown; request: Request }) {
  const studio = studioContext(context);
  // No run of another workspace's environment.
  const access = await requestAccess(studio, context as { membership?: Membership }, request);
  return { runs: await runListRows(studio, access.seesRun) };
}

/** Deletes a run (its folder only when inside the studio's runs folder), after the page asked. */
export async function action({ request, context }: { request: Request; context: unknown }) {
  const form = await request.formData();
  const id = form.get('id');
  if (form.get('intent') !== 'delete' || typeof id !== 'string' || !id)
    return data(
      { deleted: null, problem: { code: 'STUDIO_BAD_REQUEST', message: 'no run to delete was named' } },
      { status: 400 },
    );
  const studio = studioContext(context);
  // A run of another workspace's environment is no run here; a viewer of its workspace keeps it.
  const run = await studio.repo.getRun(id);
  if (run && !(await mayDeleteRun(studio, context as { membership?: Membership }, request, run)))
    return data(
      {
        deleted: null,
        problem: { code: 'STUDIO_RUN_NOT_FOUND', message: `no run you may delete has the id ${id}` },
      },
      { status: 404 },
    );
  const outcome = await deleteRun(studio, id);
  if (!outcome.ok)
    return data(
      { deleted: null, problem: { code: outcome.code, message: outcome.message } },
      { status: 404 },
    );
  return { deleted: outcome, problem: null };
}

export function meta() {
  return [{ title: 'Runs · Palestra Studio' }];
}

export default function Runs() {
  const { runs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <div role="status" aria-live="polite">
        {result?.deleted && (
          <p className="runs-notice">
            Deleted <code>{result.deleted.folder}</code>
            {result.deleted.folderRemoved ? ' and its folder.' : `: ${result.deleted.note}.`}
          </p>
        )}
      </div>
      {result?.problem && (
        <p role="alert" className="error-text">
          {result.problem.code}: {result.problem.message}. Reload the page to see the runs as they are now.
        </p>
      )}
      {runs.length === 0 ? (
        <div className="runs-empty">
          <p>No runs yet. Make one from an environment's page (Run agents), or from a terminal:</p>
          <pre>
            <code>npx palestra run frozen-lake --agent random --episodes 8</code>
          </pre>
          <p className="muted">
            A run the CLI writes under <code>.palestra/runs/</code> appears here while the studio runs.{' '}
            <Link to="/">Choose an environment</Link>.
          </p>
        </div>
      ) : (
        <>
          <p className="muted">
            {runs.length} run{runs.length === 1 ? '' : 's'}. Choose a column's header to sort by it.
          </p>
          <RunsTable runs={runs} />
        </>
      )}
    </section>
  );
}
