import type { NewTask } from '../doc/fieldEdits.ts';

/**
 * Rows of delimited text (RFC 4180): fields separated by `delimiter`, quoted fields may hold the
 * delimiter, line breaks and doubled quotes (`""`), lines end in LF or CRLF. Blank lines are
 * skipped. Written here rather than taken from a library: the grammar is a dozen lines, and the
 * table's paste is its only use.
 *
 * @example
 * parseDelimited('id,note\nt1,"a, b"\n', ',') // [['id', 'note'], ['t1', 'a, b']]
 */
export function parseDelimited(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i += 1;
    } else field += c;
    i += 1;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** What a paste became: the tasks, and a sentence for each cell or row that was not taken. */
export interface CsvTasks {
  tasks: NewTask[];
  problems: string[];
}

/** The columns with a meaning of their own; every other column is a key of the task's `data`. */
const TASK_COLUMNS = new Set(['id', 'instructions', 'split']);

/**
 * A data cell's value: a JSON number, `true`, `false`, `null`, an object or a list as that value
 * (what a spreadsheet column of amounts means), anything else as the text it is.
 */
export function cellValue(cell: string): unknown {
  const t = cell.trim();
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t) || /^(true|false|null)$/.test(t) || /^[[{]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return cell;
    }
  }
  return cell;
}

/**
 * Tasks from a CSV (or tab-separated) paste whose header row names the columns: `id` (required),
 * `instructions`, `split` (`train` or `eval`, empty for train), and any other column a key of the
 * task's data. Comma-separated unless the header has a tab and no comma (a spreadsheet's copy).
 * Rows without an id, and ids given twice, are left out with a problem each.
 *
 * @example
 * tasksFromCsv('id,instructions,orderId\nt1,Refund it,A-1\n').tasks
 * // [{ id: 't1', instructions: 'Refund it', data: { orderId: 'A-1' } }]
 */
export function tasksFromCsv(text: string, existingIds: Iterable<string> = []): CsvTasks {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const [header, ...rows] = parseDelimited(text, delimiter);
  const problems: string[] = [];
  if (!header) return { tasks: [], problems: ['nothing to paste'] };
  const columns = header.map((h) => h.trim());
  if (!columns.includes('id'))
    return {
      tasks: [],
      problems: [`the header row needs an "id" column (it has: ${columns.join(', ') || 'nothing'})`],
    };
  const seen = new Set(existingIds);
  const tasks: NewTask[] = [];
  rows.forEach((cells, r) => {
    const line = r + 2;
    const task: NewTask = { id: '' };
    const data: Record<string, unknown> = {};
    columns.forEach((column, c) => {
      const cell = cells[c] ?? '';
      if (column === 'id') task.id = cell.trim();
      else if (column === 'instructions') task.instructions = cell;
      else if (column === 'split') {
        const split = cell.trim().toLowerCase();
        if (split === 'eval' || split === 'train') task.split = split;
        else if (split !== '')
          problems.push(`line ${line}: split "${cell}" is not train or eval; train kept`);
      } else if (column !== '' && !TASK_COLUMNS.has(column) && cell !== '') data[column] = cellValue(cell);
    });
    if (cells.length > columns.length)
      problems.push(`line ${line}: ${cells.length - columns.length} cell(s) beyond the header left out`);
    if (task.id === '') {
      problems.push(`line ${line}: no id; the row is left out`);
      return;
    }
    if (seen.has(task.id)) {
      problems.push(`line ${line}: the id "${task.id}" is taken; the row is left out`);
      return;
    }
    seen.add(task.id);
    if (Object.keys(data).length > 0) task.data = data;
    tasks.push(task);
  });
  return { tasks, problems };
}
