import { Link, useLoaderData, useSearchParams } from 'react-router';
import { requestAccess } from '../../server/auth/access.ts';
import type { Membership } from '../../server/auth/members.ts';
import type { EnvSummary } from '../../server/catalog.ts';
import type { CheckOutcome } from '../../server/checkOutcome.ts';
import { studioContext } from '../../server/context.ts';
import { type CheckSlot, homeData, type RunSummary } from '../../server/home.ts';
import { ForkButton } from '../edit/ForkButton.tsx';
import { useCheck } from '../problems/useCheck.ts';
import { ImportForm } from './importForm.tsx';
import './environments.css';

/** `0x1c0e0a56…3b8c`: enough of a root to tell two apart on a page (the full one is its title). */
function shortRoot(root: string): string {
  return root.length > 16 ? `${root.slice(0, 10)}…${root.slice(-4)}` : root;
}

/**
 * The catalog and the studio's own environments with their latest runs, read on the server on
 * every visit (specs on disk and the runs folder may have changed).
 */
export async function loader({ context, request }: { context: unknown; request: Request }) {
  const studio = studioContext(context);
  // Only the environments and runs of the workspaces the visitor belongs to.
  const access = await requestAccess(studio, context as { membership?: Membership }, request);
  const data = await homeData(studio, access);
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

/** `2026-12-06 16:48 UTC`: the same text on the server and in the browser (no locale, no zone). */
function shortDate(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function Runs({ runs, label }: { runs: RunSummary[]; label: string }) {
  if (runs.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <ul aria-label={label} className="run-list">
      {runs.map((r) => (
        <li key={r.folder}>
          <code title={r.folder}>{r.name}</code> · {r.kind} ·{' '}
          <time dateTime={r.createdAt}>{shortDate(r.createdAt)}</time>
          {r.episodes !== undefined && (
            <>
              {' '}
              · {r.episodes} episode{r.episodes === 1 ? '' : 's'}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The "Checks" cell: the checker's verdict, polled while a first check runs. */
function CheckCell({ envRef, check }: { envRef: string; check: CheckSlot }) {
  if (!check)
    return (
      <span className="muted" title="nothing to check" data-check="none">
        —
      </span>
    );
  return <PolledCheck envRef={envRef} initial={check} />;
}

function PolledCheck({ envRef, initial }: { envRef: string; initial: CheckOutcome }) {
  return <CheckVerdict check={useCheck(envRef, initial)} />;
}

function CheckVerdict({ check }: { check: CheckOutcome }) {
  const warnings = (n: number) => (n > 0 ? `, ${n} warning${n === 1 ? '' : 's'}` : '');
  if (check.state === 'pending')
    return (
      <span className="muted" aria-busy="true" data-check="pending">
        checking…
      </span>
    );
  if (check.state === 'failed')
    return (
      <span className="error-text" title={check.hint} data-check="error">
        could not check ({check.code}): {check.message}
      </span>
    );
  if (check.summary.ok)
    return (
      <span className="check-ok" data-check="ok">
        passed{warnings(check.summary.warnings)}
      </span>
    );
  return (
    <span className="error-text" data-check="failed">
      {check.summary.failed} failed{warnings(check.summary.warnings)}
    </span>
  );
}

/** States, tools, tasks and the split, with the checker's verdict. */
function Counts({
  env,
  label,
  check,
  envRef,
}: {
  env: EnvSummary;
  label: string;
  check: CheckSlot;
  envRef: string;
}) {
  return (
    <dl aria-label={label}>
      <div>
        <dt>Checks</dt>
        <dd>
          <CheckCell envRef={envRef} check={check} />
        </dd>
      </div>
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
  );
}

export default function Environments() {
  const { workspaces, catalog, environments, otherRuns } = useLoaderData<typeof loader>();
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

      <p>
        <Link to="/new" className="button-link">
          New environment
        </Link>{' '}
        <span className="muted">from nothing, with a guided first step, or forked from the catalog.</span>
      </p>
      <p>
        <Link to="/workspaces">Workspaces</Link>{' '}
        <span className="muted">
          yours, their members and invite links; a new environment goes into{' '}
          {workspaces.find((w) => w.id === 'default' && w.role !== 'viewer')?.name ?? 'your first workspace'}.
        </span>
      </p>

      <h2 id="import-title">Import a GymSpec file or folder</h2>
      <ImportForm />

      <h2 id="yours-title">Your environments</h2>
      {environments.length === 0 ? (
        <p className="muted">
          None yet: start a new one, fork one from the catalog, or import a GymSpec above.
        </p>
      ) : (
        <ul className="env-list" aria-labelledby="yours-title">
          {environments.map((env) => (
            <li key={env.id} className="env-card" data-env-id={env.id}>
              <h3>
                <Link to={`/env/${encodeURIComponent(env.id)}`}>{env.name}</Link>
              </h3>
              <dl aria-label={`${env.name}: source and version`}>
                <div>
                  <dt>Workspace</dt>
                  <dd>{env.workspace}</dd>
                </div>
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
              {env.counts?.error ? (
                <p className="error-text">Its head version does not load: {env.counts.error}</p>
              ) : (
                env.counts && (
                  <Counts
                    env={env.counts}
                    label={`${env.name} in numbers`}
                    check={env.check}
                    envRef={env.id}
                  />
                )
              )}
              <h4 className="runs-title">Latest runs</h4>
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
                <ForkButton from={env.name} />
                <Counts env={env} label={`${env.name} in numbers`} check={env.check} envRef={env.name} />
                <h4 className="runs-title">Latest runs</h4>
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
