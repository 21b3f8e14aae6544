import { Form, Link } from 'react-router';
import type { VersionRow } from '../../server/versions/history.ts';

/** A check in words. */
export function checkText(check: VersionRow['check']): string {
  switch (check.state) {
    case 'pending':
      return 'checking…';
    case 'passed':
      return check.warnings > 0
        ? `passed, ${check.warnings} warning${check.warnings === 1 ? '' : 's'}`
        : 'passed';
    case 'failed':
      return `${check.failed} error${check.failed === 1 ? '' : 's'}${check.warnings > 0 ? `, ${check.warnings} warning${check.warnings === 1 ? '' : 's'}` : ''}`;
    default:
      return `could not run (${check.code ?? 'error'})`;
  }
}

const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/**
 * The history as a table: number, message, author, time, check, root; a tick box per version (the
 * page's compare form), and per version its diff with the version before, its export, and a roll
 * back to it (a button of `RollBackForm`).
 */
export function VersionTable({ envRef, versions }: { envRef: string; versions: readonly VersionRow[] }) {
  const ref = encodeURIComponent(envRef);
  return (
    <table className="versions-table">
      <caption className="muted">Newest first (times in UTC)</caption>
      <thead>
        <tr>
          <th scope="col">Compare</th>
          <th scope="col">Version</th>
          <th scope="col">Message</th>
          <th scope="col">Author</th>
          <th scope="col">Time</th>
          <th scope="col">Check</th>
          <th scope="col">Root</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v, i) => {
          const previous = versions[i + 1];
          return (
            <tr key={v.seq} className={v.head ? 'version-head' : undefined} data-version={v.seq}>
              <td>
                <input type="checkbox" name="v" value={v.seq} aria-label={`Compare version ${v.seq}`} />
              </td>
              <td>
                #{v.seq}
                {v.head && <span> (head)</span>}
              </td>
              <td>{v.message ?? <span className="muted">no message</span>}</td>
              <td>{v.author ?? <span className="muted">—</span>}</td>
              <td>
                <time dateTime={v.createdAt}>{when(v.createdAt)}</time>
              </td>
              <td className="version-check" data-state={v.check.state}>
                {checkText(v.check)}
              </td>
              <td>
                <code title={v.root}>{v.root.slice(0, 12)}…</code>
              </td>
              <td>
                <span className="version-actions">
                  {previous && (
                    <Link to={`/env/${ref}/versions/diff?v=${previous.seq}&v=${v.seq}`}>
                      Changes<span className="visually-hidden"> in version {v.seq}</span>
                    </Link>
                  )}
                  <a href={`/env/${ref}/versions/${v.seq}/export`} download>
                    Export<span className="visually-hidden"> version {v.seq}</span> (.zip)
                  </a>
                  {!v.head && (
                    <button type="submit" form="rollback-form" name="seq" value={v.seq}>
                      Roll back to #{v.seq}
                    </button>
                  )}
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * The roll back buttons' form (they name it with `form=`): `intent=rollback` and the button's
 * `seq`. Rendered outside the compare form, since forms do not nest.
 */
export function RollBackForm({ envRef }: { envRef: string }) {
  return (
    <Form method="post" id="rollback-form" action={`/env/${encodeURIComponent(envRef)}/versions`} hidden>
      <input type="hidden" name="intent" value="rollback" />
    </Form>
  );
}
