/**
 * Sortable table columns: a header cell holding a button (so the keyboard reaches it) and
 * `aria-sort` on the sorted column, and the hook that keeps which column and direction.
 */
import { useMemo, useState } from 'react';

export type SortDirection = 'ascending' | 'descending';

export interface SortState<K extends string> {
  key: K;
  direction: SortDirection;
}

/** How a row is compared on one column: a number, a string, or null (always last). */
export type SortValue = number | string | null;

/**
 * Rows sorted by the chosen column; choosing the sorted column again turns its direction.
 *
 * @example
 * const { sorted, sort, toggle } = useSorted(rows, { date: (r) => r.createdAt }, { key: 'date', direction: 'descending' });
 */
export function useSorted<T, K extends string>(
  rows: readonly T[],
  columns: Record<K, (row: T) => SortValue>,
  initial: SortState<K>,
) {
  const [sort, setSort] = useState<SortState<K>>(initial);
  const sorted = useMemo(() => {
    const value = columns[sort.key];
    const sign = sort.direction === 'ascending' ? 1 : -1;
    return [...rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (
        (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sign
      );
    });
  }, [rows, columns, sort]);
  const toggle = (key: K) =>
    setSort((s) =>
      s.key === key
        ? { key, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : { key, direction: 'ascending' },
    );
  return { sorted, sort, toggle };
}

/** A header cell that sorts its column. */
export function SortHeader<K extends string>({
  column,
  label,
  sort,
  onSort,
  numeric = false,
}: {
  column: K;
  label: string;
  sort: SortState<K>;
  onSort: (key: K) => void;
  numeric?: boolean;
}) {
  const active = sort.key === column;
  return (
    <th scope="col" aria-sort={active ? sort.direction : 'none'} className={numeric ? 'num' : undefined}>
      <button type="button" className="sort-button" onClick={() => onSort(column)} data-column={column}>
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}
        </span>
      </button>
    </th>
  );
}
