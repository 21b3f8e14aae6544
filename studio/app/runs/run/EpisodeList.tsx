/**
 * The run's episodes: sortable, filterable by outcome and task, each linked to its replay; tick
 * two and Compare opens their diff. Only the first rows are drawn until asked, so a run of 1,000
 * episodes opens fast.
 */
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { ListedEpisode } from '../../../server/runs/episodeRow.ts';
import { formatReturn } from '../list/format.ts';
import { SortHeader, type SortValue, useSorted } from '../list/SortHeader.tsx';

type Column = 'path' | 'task' | 'seed' | 'return' | 'length' | 'outcome';

const readable = <T,>(r: ListedEpisode, f: (r: Extract<ListedEpisode, { readable: true }>) => T) =>
  r.readable ? f(r) : null;

/** What happened to an episode, in words (also what the outcome column sorts by). */
function outcome(r: ListedEpisode): string {
  if (!r.readable) return `unreadable: ${r.code}${r.line !== null ? ` at line ${r.line}` : ''}`;
  if (r.fault) return `failed: ${r.error} (${r.fault})`;
  if (!r.complete) return 'unfinished';
  if (r.truncated) return 'truncated';
  return r.success ? 'success' : 'ended, no success';
}

const columns: Record<Column, (r: ListedEpisode) => SortValue> = {
  path: (r) => r.path,
  task: (r) => readable(r, (x) => x.taskId),
  seed: (r) => readable(r, (x) => x.seed),
  return: (r) => readable(r, (x) => x.return),
  length: (r) => readable(r, (x) => x.length),
  outcome,
};

const filters = {
  all: () => true,
  success: (r: ListedEpisode) => r.readable && r.success,
  failed: (r: ListedEpisode) => r.readable && r.fault !== null,
  truncated: (r: ListedEpisode) => r.readable && r.truncated,
  vetoed: (r: ListedEpisode) => r.readable && r.vetoed,
  unreadable: (r: ListedEpisode) => !r.readable,
} as const;
type Filter = keyof typeof filters;
const filterLabels: Record<Filter, string> = {
  all: 'all episodes',
  success: 'successes',
  failed: 'failed',
  truncated: 'truncated',
  vetoed: 'vetoed',
  unreadable: 'unreadable',
};

/** Rows drawn before "Show all". */
const FIRST_ROWS = 200;

/** The replay page of an episode (its path inside the run folder, each segment encoded). */
export const replayHref = (runId: string, path: string) =>
  `/runs/${runId}/episode/${path.split('/').map(encodeURIComponent).join('/')}`;

export function EpisodeList({ runId, episodes }: { runId: string; episodes: ListedEpisode[] }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [task, setTask] = useState('');
  const [all, setAll] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const tasks = useMemo(
    () => [...new Set(episodes.flatMap((r) => (r.readable ? [r.taskId] : [])))].sort(),
    [episodes],
  );
  const shown = useMemo(
    () => episodes.filter((r) => filters[filter](r) && (!task || (r.readable && r.taskId === task))),
    [episodes, filter, task],
  );
  const { sorted, sort, toggle } = useSorted<ListedEpisode, Column>(shown, columns, {
    key: 'path',
    direction: 'ascending',
  });
  const rows = all ? sorted : sorted.slice(0, FIRST_ROWS);
  // Two at most: ticking a third lets go of the first one ticked.
  const pick = (path: string, on: boolean) =>
    setPicked((p) => (on ? [...p.filter((x) => x !== path), path].slice(-2) : p.filter((x) => x !== path)));
  const [a, b] = picked;
  return (
    <>
      <div className="episode-controls">
        <label htmlFor="episode-filter">Show</label>
        <select
          id="episode-filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value as Filter)}
          name="filter"
        >
          {(Object.keys(filters) as Filter[]).map((f) => (
            <option key={f} value={f}>
              {filterLabels[f]}
            </option>
          ))}
        </select>
        <label htmlFor="episode-task">Task</label>
        <select id="episode-task" value={task} onChange={(e) => setTask(e.target.value)} name="task">
          <option value="">every task</option>
          {tasks.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <span role="status" className="muted" data-stat="shown">
          {shown.length} of {episodes.length} episodes
        </span>
        {a && b ? (
          <Link
            className="compare-link"
            to={`/runs/${runId}/diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`}
          >
            Compare the two ticked episodes
          </Link>
        ) : (
          <span className="muted">Tick two episodes to compare them.</span>
        )}
      </div>
      <div className="runs-table-wrap">
        <table className="runs-table episode-table" aria-labelledby="run-episodes-title">
          <thead>
            <tr>
              <th scope="col">
                <span className="runs-sr">Compare</span>
              </th>
              <SortHeader column="path" label="Episode" sort={sort} onSort={toggle} />
              <SortHeader column="task" label="Task" sort={sort} onSort={toggle} />
              <SortHeader column="seed" label="Seed" sort={sort} onSort={toggle} numeric />
              <SortHeader column="return" label="Return" sort={sort} onSort={toggle} numeric />
              <SortHeader column="length" label="Steps" sort={sort} onSort={toggle} numeric />
              <SortHeader column="outcome" label="Outcome" sort={sort} onSort={toggle} />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.path} data-episode={r.path} className={r.readable ? undefined : 'unreadable'}>
                <td>
                  <input
                    type="checkbox"
                    checked={picked.includes(r.path)}
                    onChange={(e) => pick(r.path, e.target.checked)}
                    aria-label={`Compare ${r.path}`}
                  />
                </td>
                <td>
                  <Link to={replayHref(runId, r.path)}>{r.path}</Link>
                </td>
                <td>{r.readable ? <code>{r.taskId}</code> : '—'}</td>
                <td className="num">{r.readable ? r.seed : '—'}</td>
                <td className="num">{r.readable ? formatReturn(r.return) : '—'}</td>
                <td className="num">
                  {r.readable ? r.length : '—'}
                  {r.readable && r.invalidActions > 0 && (
                    <span className="muted"> ({r.invalidActions} invalid)</span>
                  )}
                </td>
                <td>
                  <span
                    className={`outcome outcome-${r.readable ? (r.fault ? 'failed' : r.success ? 'success' : 'plain') : 'failed'}`}
                  >
                    {outcome(r)}
                  </span>
                  {r.readable && r.vetoed && <span className="outcome outcome-failed"> · vetoed</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">No episode matches these filters.</p>}
      {!all && sorted.length > FIRST_ROWS && (
        <button type="button" className="show-all" onClick={() => setAll(true)}>
          Show all {sorted.length} episodes (the first {FIRST_ROWS} are shown)
        </button>
      )}
    </>
  );
}
