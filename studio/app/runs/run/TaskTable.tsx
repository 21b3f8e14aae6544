/** The run page's per-task table: complete, not failed episodes of each task. */
import type { TaskRow } from '../../../server/runs/runDigest.ts';
import { formatRate, formatReturn } from '../list/format.ts';

export function TaskTable({ tasks }: { tasks: TaskRow[] }) {
  if (tasks.length === 0) return <p className="muted">No complete episode yet, so no task to show.</p>;
  return (
    <div className="runs-table-wrap">
      <table className="runs-table" aria-labelledby="run-tasks-title">
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col" className="num">
              Index
            </th>
            <th scope="col" className="num">
              Episodes
            </th>
            <th scope="col" className="num">
              Success rate
            </th>
            <th scope="col" className="num">
              Mean return
            </th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.taskIndex}>
              <td>
                <code>{t.taskId}</code>
              </td>
              <td className="num">{t.taskIndex}</td>
              <td className="num">{t.episodes}</td>
              <td className="num">{formatRate(t.successRate)}</td>
              <td className="num">{formatReturn(t.returnMean)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
