/**
 * The editing toolbar above the canvas: undo and redo, add a state, draw a transition by its
 * fields (what dragging from a handle fills in), what can be done to the selected state or
 * transition (nest, initial, final, its kind and a history state's default, event, target, guard
 * and actions, delete), the delete confirmation, and Tidy.
 * Everything the canvas does by pointer can be done here by keyboard.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { docParts } from '../doc/schema.ts';
import { deleteQuestion } from './deleteQuestion.ts';
import { StateKindFields } from './StateKindFields.tsx';
import { StateTransitions } from './StateTransitions.tsx';
import { TransitionLogic } from './TransitionLogic.tsx';
import type { CanvasEditor } from './useCanvasEditor.ts';
import { useUndo } from './useUndo.ts';
import './edit.css';

/** Every state as `[document id, dotted path]`, by path. */
function statesByPath(editor: CanvasEditor): [string, string][] {
  return [...editor.view.paths].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `""` in a state `<select>` stands for the top level (the machine's root). */
const ROOT = '';
const idOrRoot = (value: string) => (value === ROOT ? null : value);

export function EditToolbar({ editor }: { editor: CanvasEditor }) {
  const undo = useUndo(editor.doc);
  return (
    <section className="edit-toolbar" aria-label="Edit the statechart">
      <div className="edit-row">
        <button type="button" onClick={undo.undo} disabled={!undo.canUndo} title="Ctrl+Z">
          Undo
        </button>
        <button type="button" onClick={undo.redo} disabled={!undo.canRedo} title="Ctrl+Shift+Z or Ctrl+Y">
          Redo
        </button>
        <AddState editor={editor} />
        <button
          type="button"
          onClick={editor.tidy}
          title="Lay the chart out again; states placed by hand keep their places"
        >
          Tidy
        </button>
        <button
          type="button"
          onClick={editor.clearPositions}
          title="Every state back to the automatic layout"
        >
          Clear manual positions
        </button>
      </div>
      <details className="edit-help">
        <summary>How to edit</summary>
        <p className="muted">
          Double-click the empty chart to add a state there; double-click a name (or press F2) to rename it;
          drag a state to place it, or onto another state to nest it; drag from a state's right handle to
          another state to draw a transition, and a transition's end to another state to retarget it; Delete
          removes the focused state or transition. A selected state's <strong>Kind</strong> makes it final, or
          a history state that returns its parent to the child it was last in (deep: to the innermost one),
          with a default state for the first time. Undo (Ctrl+Z) takes back only your own edits.{' '}
          <strong>Tidy</strong> lays the chart out again: states you placed by hand keep their places.{' '}
          <strong>Clear manual positions</strong> hands every state back to the automatic layout.
        </p>
      </details>
      <AddTransition editor={editor} />
      {editor.selectedState !== undefined && editor.view.paths.has(editor.selectedState) && (
        <SelectedState editor={editor} id={editor.selectedState} />
      )}
      {editor.selectedTransition && <SelectedTransition editor={editor} />}
      {editor.pendingDelete && <ConfirmDelete editor={editor} />}
      <p role="status" className="edit-status">
        {editor.message}
      </p>
    </section>
  );
}

function StateOptions({ editor, except, root }: { editor: CanvasEditor; except?: string; root: string }) {
  return (
    <>
      <option value={ROOT}>{root}</option>
      {statesByPath(editor)
        .filter(([, path]) => except === undefined || (path !== except && !path.startsWith(`${except}.`)))
        .map(([id, path]) => (
          <option key={id} value={id}>
            {path}
          </option>
        ))}
    </>
  );
}

function AddState({ editor }: { editor: CanvasEditor }) {
  const id = useId();
  const [name, setName] = useState('');
  const [parent, setParent] = useState(ROOT);
  const [problem, setProblem] = useState<string>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const refused = editor.add(idOrRoot(editor.view.paths.has(parent) ? parent : ROOT), name.trim());
    setProblem(refused);
    if (!refused) setName('');
  };
  return (
    <form className="edit-inline" onSubmit={submit} aria-label="Add a state">
      <label htmlFor={`${id}-name`}>New state</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        size={12}
        aria-invalid={problem !== undefined}
        {...(problem && { 'aria-describedby': `${id}-problem` })}
      />
      <label htmlFor={`${id}-parent`}>in</label>
      <select id={`${id}-parent`} value={parent} onChange={(e) => setParent(e.target.value)}>
        <StateOptions editor={editor} root="the top level" />
      </select>
      <button type="submit">Add state</button>
      {problem && (
        <span role="alert" id={`${id}-problem`} className="error-text">
          {problem}
        </span>
      )}
    </form>
  );
}

/** The events offered for a transition: the tools' events (typing another is allowed). */
function EventList({ id, editor }: { id: string; editor: CanvasEditor }) {
  return (
    <datalist id={id}>
      {editor.events.map((e) => (
        <option key={e} value={e} />
      ))}
    </datalist>
  );
}

function AddTransition({ editor }: { editor: CanvasEditor }) {
  const id = useId();
  const [source, setSource] = useState(ROOT);
  const [target, setTarget] = useState(ROOT);
  const [event, setEvent] = useState('');
  const [problem, setProblem] = useState<string>();
  const eventField = useRef<HTMLInputElement>(null);
  const draft = editor.draft;
  // A line drawn on the canvas fills in its two ends; the event is typed or chosen here.
  useEffect(() => {
    if (!draft) return;
    setSource(draft.source ?? ROOT);
    setTarget(draft.target ?? ROOT);
    eventField.current?.focus();
  }, [draft]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const refused = editor.connect(idOrRoot(source), event, idOrRoot(target));
    setProblem(refused);
    if (!refused) setEvent('');
  };
  return (
    <form className="edit-row edit-inline" onSubmit={submit} aria-label="Add a transition">
      <label htmlFor={`${id}-from`}>Transition from</label>
      <select id={`${id}-from`} value={source} onChange={(e) => setSource(e.target.value)}>
        <StateOptions editor={editor} root="the machine (any state)" />
      </select>
      <label htmlFor={`${id}-event`}>on event</label>
      <input
        id={`${id}-event`}
        ref={eventField}
        list={`${id}-events`}
        value={event}
        onChange={(e) => setEvent(e.target.value)}
        placeholder="empty: always"
        size={14}
        aria-invalid={problem !== undefined}
        {...(problem && { 'aria-describedby': `${id}-problem` })}
      />
      <EventList id={`${id}-events`} editor={editor} />
      <label htmlFor={`${id}-to`}>to</label>
      <select id={`${id}-to`} value={target} onChange={(e) => setTarget(e.target.value)}>
        <StateOptions editor={editor} root="no target (stay)" />
      </select>
      <button type="submit">Add transition</button>
      {problem && (
        <span role="alert" id={`${id}-problem`} className="error-text">
          {problem}
        </span>
      )}
    </form>
  );
}

function SelectedState({ editor, id }: { editor: CanvasEditor; id: string }) {
  const fieldId = useId();
  const path = editor.view.paths.get(id)!;
  const m = docParts(editor.doc).states.get(id);
  const parent = (m?.get('parent') ?? null) as string | null;
  const [into, setInto] = useState(parent ?? ROOT);
  const [problem, setProblem] = useState<string>();
  useEffect(() => setInto(parent ?? ROOT), [parent]);
  const parentMap = parent === null ? docParts(editor.doc).machine : docParts(editor.doc).states.get(parent);
  const initial = parentMap?.get('initial') === id;
  const final = m?.get('type') === 'final';
  return (
    <fieldset className="edit-row edit-selected" aria-label={`Selected state ${path}`}>
      <legend>
        State <code>{path}</code>
      </legend>
      <form
        className="edit-inline"
        onSubmit={(e) => {
          e.preventDefault();
          setProblem(editor.nest(id, idOrRoot(into)));
        }}
      >
        <label htmlFor={`${fieldId}-into`}>Move into…</label>
        <select id={`${fieldId}-into`} value={into} onChange={(e) => setInto(e.target.value)}>
          <StateOptions editor={editor} except={path} root="the top level" />
        </select>
        <button type="submit">Move</button>
      </form>
      <button
        type="button"
        onClick={() => setProblem(editor.setInitial(id))}
        disabled={initial}
        aria-pressed={initial}
      >
        {initial ? 'Initial' : 'Make initial'}
      </button>
      <label className="edit-check">
        <input
          type="checkbox"
          checked={final}
          onChange={(e) => setProblem(editor.setFinal(id, e.target.checked))}
        />{' '}
        Final
      </label>
      <StateKindFields key={id} editor={editor} id={id} />
      <button type="button" className="danger" onClick={() => editor.askDelete('state', id)}>
        Delete state…
      </button>
      {problem && (
        <span role="alert" className="error-text">
          {problem}
        </span>
      )}
      <StateTransitions editor={editor} id={id} />
    </fieldset>
  );
}

function SelectedTransition({ editor }: { editor: CanvasEditor }) {
  const fieldId = useId();
  const t = editor.selectedTransition!;
  const m = docParts(editor.doc).transitions.get(t.id);
  const targets = m?.get('targets');
  const current =
    Array.isArray(targets) && typeof targets[0]?.state === 'string' ? (targets[0].state as string) : ROOT;
  const [event, setEvent] = useState(t.event ?? '');
  const [target, setTarget] = useState(current);
  const [problem, setProblem] = useState<string>();
  useEffect(() => setEvent(t.event ?? ''), [t.event]);
  useEffect(() => setTarget(current), [current]);
  const from = t.source === null ? 'the machine' : editor.view.paths.get(t.source);
  return (
    <fieldset className="edit-row edit-selected" aria-label={`Selected transition from ${from}`}>
      <legend>
        Transition from <code>{from}</code>
      </legend>
      <form
        className="edit-inline"
        onSubmit={(e) => {
          e.preventDefault();
          setProblem(editor.changeEvent(t.id, event));
        }}
      >
        <label htmlFor={`${fieldId}-event`}>Event</label>
        <input
          id={`${fieldId}-event`}
          list={`${fieldId}-events`}
          value={event}
          onChange={(e) => setEvent(e.target.value)}
          placeholder="empty: always"
          size={14}
        />
        <EventList id={`${fieldId}-events`} editor={editor} />
        <button type="submit">Change event</button>
      </form>
      <form
        className="edit-inline"
        onSubmit={(e) => {
          e.preventDefault();
          editor.retarget(t.id, idOrRoot(target));
        }}
      >
        <label htmlFor={`${fieldId}-target`}>Target</label>
        <select id={`${fieldId}-target`} value={target} onChange={(e) => setTarget(e.target.value)}>
          <StateOptions editor={editor} root="no target (stay)" />
        </select>
        <button type="submit">Retarget</button>
      </form>
      <TransitionLogic editor={editor} id={t.id} />
      <button type="button" className="danger" onClick={() => editor.askDelete('transition', t.id)}>
        Delete transition…
      </button>
      {problem && (
        <span role="alert" className="error-text">
          {problem}
        </span>
      )}
    </fieldset>
  );
}

function ConfirmDelete({ editor }: { editor: CanvasEditor }) {
  const p = editor.pendingDelete!;
  const yes = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  useEffect(() => yes.current?.focus(), []);
  return (
    <div
      className="edit-confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      onKeyDown={(e) => e.key === 'Escape' && editor.cancelDelete()}
    >
      <p id={titleId}>{deleteQuestion(p)}</p>
      <button type="button" ref={yes} className="danger" onClick={editor.confirmDelete}>
        Delete
      </button>
      <button type="button" onClick={editor.cancelDelete}>
        Cancel
      </button>
    </div>
  );
}
