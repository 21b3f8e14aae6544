import { useId, useState } from 'react';
import type * as Y from 'yjs';
import { localOrigin } from '../collab/useCollabDoc.ts';
import {
  addTasks,
  deleteTask,
  setTaskData,
  setTaskField,
  setTasksModule,
  type TasksModule,
} from '../doc/fieldEdits.ts';
import { docParts, type FieldMap } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { MAX_TASK_ROWS } from '../panel/TasksSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { NumberField, TextField } from './fields.tsx';
import { tasksFromCsv } from './tasksCsv.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
/** GymSpec's module reference (`file.js#exportName`), as envs' schema checks it. */
const MODULE_REF = /^[A-Za-z0-9_./-]+\.js#[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The tasks, edited: a table (id, split, instructions, data as JSON) with add, delete and paste
 * from CSV; or, instead of the list, a seeded generator module (`tasks: { module, count, split }`).
 * The listed tasks stay in the document while a module is used, so switching back restores them.
 */
export function TasksEditor() {
  const { doc, readOnly } = useEditors();
  const { header, tasks } = docParts(doc);
  const generator = header.get('tasksModule');
  if (isObject(generator)) return <GeneratorForm doc={doc} generator={generator} readOnly={readOnly} />;
  const rows = ordered(tasks);
  const switchToGenerator = () => {
    const file = [...docParts(doc).files.keys()].find((f) => f.endsWith('.js')) ?? 'tasks.js';
    setTasksModule(doc, { module: `${file}#generate`, count: 10 }, localOrigin);
  };
  return (
    <PanelSection title="Tasks" count={rows.length} open>
      {rows.length === 0 ? (
        <None>No tasks yet: add one, or paste a CSV.</None>
      ) : (
        <div className="panel-table-wrap">
          <table className="panel-table editor-tasks">
            <caption className="visually-hidden">Tasks</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Split</th>
                <th scope="col">Instructions</th>
                <th scope="col">Data (JSON)</th>
                <th scope="col">
                  <span className="visually-hidden">Delete</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, MAX_TASK_ROWS).map(([id, m]) => (
                <TaskRow key={id} doc={doc} id={id} task={m} readOnly={readOnly} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > MAX_TASK_ROWS && (
        <p className="muted">
          The first {MAX_TASK_ROWS} of {rows.length} tasks are shown.
        </p>
      )}
      <div className="editor-actions">
        <button
          type="button"
          className="editor-add"
          disabled={readOnly}
          onClick={() => {
            const taken = new Set(rows.map(([, m]) => str(m.get('id'))));
            let n = rows.length + 1;
            while (taken.has(`task-${n}`)) n++;
            addTasks(doc, [{ id: `task-${n}`, instructions: '' }], localOrigin);
          }}
        >
          Add a task
        </button>
        <button type="button" disabled={readOnly} onClick={switchToGenerator}>
          Generate tasks with a module instead
        </button>
      </div>
      <CsvPaste doc={doc} taken={rows.map(([, m]) => str(m.get('id')))} readOnly={readOnly} />
    </PanelSection>
  );
}

function TaskRow({ doc, id, task, readOnly }: { doc: Y.Doc; id: string; task: FieldMap; readOnly: boolean }) {
  const taskId = str(task.get('id'));
  const data = task.get('data');
  const [dataDraft, setDataDraft] = useState<string | undefined>();
  const dataText = isObject(data) ? JSON.stringify(data) : '';
  const dataInvalid = dataDraft !== undefined;
  return (
    <tr data-split={task.get('split') === 'eval' ? 'eval' : 'train'}>
      <th scope="row">
        <TextField
          label={`Id of task ${taskId}`}
          value={taskId}
          accept={(v) => v.trim() !== ''}
          onChange={(v) => setTaskField(doc, id, 'id', v, localOrigin)}
          disabled={readOnly}
          className="editor-task-id"
        />
      </th>
      <td>
        <select
          aria-label={`Split of task ${taskId}`}
          value={task.get('split') === 'eval' ? 'eval' : 'train'}
          disabled={readOnly}
          onChange={(e) =>
            setTaskField(doc, id, 'split', e.target.value === 'eval' ? 'eval' : undefined, localOrigin)
          }
        >
          <option value="train">train</option>
          <option value="eval">eval</option>
        </select>
      </td>
      <td>
        <TextField
          label={`Instructions of task ${taskId}`}
          value={str(task.get('instructions'))}
          onChange={(v) => setTaskField(doc, id, 'instructions', v, localOrigin)}
          disabled={readOnly}
          multiline
        />
      </td>
      <td>
        <input
          aria-label={`Data of task ${taskId}, as a JSON object`}
          aria-invalid={dataInvalid}
          className="editor-task-data"
          value={dataDraft ?? dataText}
          placeholder="{}"
          disabled={readOnly}
          spellCheck={false}
          onBlur={() => setDataDraft(undefined)}
          onChange={(e) => {
            const text = e.target.value;
            try {
              const value = text.trim() === '' ? {} : JSON.parse(text);
              if (!isObject(value)) throw new Error('not an object');
              setDataDraft(undefined);
              setTaskData(doc, id, value, localOrigin);
            } catch {
              // Written once it is a JSON object; until then the field keeps what was typed.
              setDataDraft(text);
            }
          }}
        />
      </td>
      <td>
        <button
          type="button"
          className="editor-delete"
          aria-label={`Delete task ${taskId}`}
          disabled={readOnly}
          onClick={() => deleteTask(doc, id, localOrigin)}
        >
          ✕
        </button>
      </td>
    </tr>
  );
}

/** A textarea to paste CSV into (a header row: id, instructions, split, data keys). */
function CsvPaste({ doc, taken, readOnly }: { doc: Y.Doc; taken: string[]; readOnly: boolean }) {
  const [text, setText] = useState('');
  const [said, setSaid] = useState<string[]>([]);
  const id = useId();
  const add = () => {
    const { tasks, problems } = tasksFromCsv(text, taken);
    if (tasks.length > 0) addTasks(doc, tasks, localOrigin);
    setSaid([`${tasks.length === 1 ? '1 task' : `${tasks.length} tasks`} added.`, ...problems]);
    if (tasks.length > 0 && problems.length === 0) setText('');
  };
  return (
    <div className="editor-csv">
      <label htmlFor={id}>Paste tasks as CSV</label>
      <p className="muted">
        A header row names the columns: <code>id</code>, <code>instructions</code>, <code>split</code>, and
        any other column is a key of the task’s data.
      </p>
      <textarea
        id={id}
        rows={3}
        value={text}
        disabled={readOnly}
        spellCheck={false}
        placeholder={'id,instructions,orderId\nrefund-1,Refund order A-1,A-1'}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="button" disabled={readOnly || text.trim() === ''} onClick={add}>
        Add the pasted tasks
      </button>
      <div role="status" className="editor-csv-status">
        {said.map((s) => (
          <p key={s}>{s}</p>
        ))}
      </div>
    </div>
  );
}

function GeneratorForm({ doc, generator, readOnly }: { doc: Y.Doc; generator: Json; readOnly: boolean }) {
  const current: TasksModule = {
    module: str(generator.module),
    count: typeof generator.count === 'number' ? generator.count : 1,
    ...(isObject(generator.split) &&
      typeof generator.split.eval === 'number' && { split: { eval: generator.split.eval } }),
  };
  const write = (patch: Partial<TasksModule>) => {
    const next = { ...current, ...patch };
    if (patch.split === undefined && 'split' in patch) delete next.split;
    setTasksModule(doc, next, localOrigin);
  };
  return (
    <PanelSection title="Tasks" count={current.count} open>
      <p>Tasks are generated by a seeded module function, called once per task index.</p>
      <div className="editor-grid">
        <div className="editor-field">
          Module function
          <TextField
            label="Generator module function (file.js#function)"
            value={current.module}
            accept={(v) => MODULE_REF.test(v)}
            onChange={(v) => write({ module: v })}
            disabled={readOnly}
          />
        </div>
        <div className="editor-field">
          Count
          <NumberField
            label="Number of generated tasks"
            integer
            value={current.count}
            onChange={(v) => v !== undefined && v >= 1 && write({ count: v })}
            disabled={readOnly}
          />
        </div>
        <div className="editor-field">
          Eval share
          <NumberField
            label="Share of tasks held out for evaluation (0 to 1)"
            value={current.split?.eval}
            placeholder="none"
            onChange={(v) =>
              write({ split: v === undefined ? undefined : { eval: Math.min(1, Math.max(0, v)) } })
            }
            disabled={readOnly}
          />
        </div>
      </div>
      <button type="button" disabled={readOnly} onClick={() => setTasksModule(doc, null, localOrigin)}>
        Use a task list instead
      </button>
    </PanelSection>
  );
}
