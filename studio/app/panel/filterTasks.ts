import type { TaskSpec } from '@palestra/envs/core';

/** A listed task with its index in the spec and its split. */
export interface TaskRow {
  index: number;
  task: TaskSpec;
  split: 'train' | 'eval';
}

/**
 * The rows whose id, instructions, data or context contain every word of `query` (case-insensitive;
 * data and context as their JSON text, so `"orderId"` or `A-1042` find the tasks that mention it).
 * An empty query keeps every row.
 *
 * @example
 * filterTasks(rows, 'count 42') // the rows mentioning both "count" and "42"
 */
export function filterTasks(rows: TaskRow[], query: string): TaskRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter(({ task }) => {
    const haystack = searchText(task);
    return words.every((w) => haystack.includes(w));
  });
}

/** What a task is searched by, lower-cased. */
export function searchText(task: TaskSpec): string {
  return [
    task.id,
    task.instructions,
    task.data && JSON.stringify(task.data),
    task.context && JSON.stringify(task.context),
  ]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
}
