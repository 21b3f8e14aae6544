/**
 * The Runs page's table: every registered run, sortable by each column, each one linked to its
 * page, with a Delete button that asks first (a modal `<dialog>` holding the POST form).
 */
import { useRef, useState } from 'react';
import { Form, Link } from 'react-router';
import type { RunListRow } from '../../../server/runs/runList.ts';
import { formatRate, formatReturn, shortDate } from './format.ts';
import { SortHeader, type SortValue, useSorted } from './SortHeader.tsx';
import './runsList.css';

type Column = 'name' | 'env' | 'kind' | 'agent' | 'date' | 'episodes' | 'returnMean' | 'successRate';

const columns: Record<Column, (r: RunListRow) => SortValue> = {
  name: (r) => r.name,
  env: (r) => r.env,
  kind: (r) => r.kind,
  agent: (r) => r.agent,
  date: (r) => r.createdAt,
  episodes: (r) => r.episodes,
  returnMean: (r) => r.returnMean,
  successRate: (r) => r.successRate,
};

const headers: Array<{ column: Column; label: string; numeric?: boolean }> = [
  { column: 'name', label: 'Run' },
  { column: 'env', label: 'Environment' },
  { column: 'kind', label: 'Kind' },
  { column: 'agent', label: 'Agent' },
  { column: 'date', label: 'Date' },
  { column: 'episodes', label: 'Episodes', numeric: true },
  { column: 'returnMean', label: 'Mean return', numeric: true },
  { column: 'successRate', label: 'Success rate', numeric: true },
];

export function RunsTable({ runs }: { runs: RunListRow[] }) {
  const { sorted, sort, toggle } = useSorted<RunListRow, Column>(runs, columns, {
    key: 'date',
    direction: 'descending',
  });
  const dialog = useRef<HTMLDialogElement>(null);
  const [doomed, setDoomed] = useState<RunListRow | null>(null);
  const ask = (run: RunListRow) => {
    setDoomed(run);
    dialog.current?.showModal();
  };
  return (
    <>
      <div className="runs-table-wrap">
        <table className="runs-table" aria-labelledby="runs-title">
          <thead>
            <tr>
              {headers.map((h) => (
                <SortHeader key={h.column} {...h} sort={sort} onSort={toggle} />
              ))}
              <th scope="col">
                <span className="runs-sr">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={r.id} data-run={r.name}>
                <td>
                  <Link to={`/runs/${r.id}`} title={r.folder}>
                    {r.name}
                  </Link>
                </td>
                <td>{r.envRef ? <Link to={`/env/${encodeURIComponent(r.envRef)}`}>{r.env}</Link> : r.env}</td>
                <td>{r.kind}</td>
                <td>{r.agent ?? '—'}</td>
                <td>
                  <time dateTime={r.createdAt}>{shortDate(r.createdAt)}</time>
                </td>
                <td className="num">{r.episodes ?? '—'}</td>
                <td className="num">{formatReturn(r.returnMean)}</td>
                <td className="num">{formatRate(r.successRate)}</td>
                <td>
                  <button type="button" className="danger-button" onClick={() => ask(r)}>
                    Delete<span className="runs-sr"> run {r.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dialog
        ref={dialog}
        className="confirm-dialog"
        aria-labelledby="delete-title"
        aria-describedby="delete-what"
      >
        <h2 id="delete-title">Delete run {doomed?.name}?</h2>
        <p id="delete-what">
          Its row goes from the studio, and its folder <code>{doomed?.folder}</code> is removed from disk when
          it is inside the studio's runs folder (a folder elsewhere is kept). This cannot be undone.
        </p>
        <Form method="post" onSubmit={() => dialog.current?.close()}>
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="id" value={doomed?.id ?? ''} />
          <div className="dialog-buttons">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className="danger-button">
              Delete run
            </button>
          </div>
        </Form>
      </dialog>
    </>
  );
}
