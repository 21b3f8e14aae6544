/**
 * The guard and the actions of the selected transition, in the editing toolbar: choose its guard
 * (none, one of the guards, or a new one named here, created as `true` and put on the transition
 * in one transaction, to be written in the side panel), and the actions it runs (add one of the
 * actions, take one off). Each choice is one document transaction and one undo step.
 */
import { type FormEvent, useId, useState } from 'react';
import { setTransitionActions, setTransitionGuard } from '../doc/edits.ts';
import { addGuard, identifierProblem } from '../doc/logicEdits.ts';
import { docParts } from '../doc/schema.ts';
import { ownStep } from '../editors/panelOrigin.ts';
import type { CanvasEditor } from './useCanvasEditor.ts';

/** The guard `<select>`'s value for "no guard" and for "a new guard". */
const NONE = '';
const NEW = '\u0000new';

/** The name a guard or action reference (`"name"` or `{ type, params }`) names. */
function refName(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (ref && typeof ref === 'object' && typeof (ref as { type?: unknown }).type === 'string')
    return (ref as { type: string }).type;
  return undefined;
}

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function TransitionLogic({ editor, id }: { editor: CanvasEditor; id: string }) {
  const { doc } = editor;
  const fieldId = useId();
  const { guards, actions, transitions } = docParts(doc);
  const m = transitions.get(id);
  const guard = refName(m?.get('guard')) ?? NONE;
  const runs = asList(m?.get('actions'));
  const guardNames = [...guards.keys()].sort();
  const actionNames = [...actions.keys()].sort();
  const [choosing, setChoosing] = useState(false);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();

  const createGuard = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    const why = identifierProblem(n, guards.keys(), 'guard');
    setProblem(why);
    if (why) return;
    addGuard(doc, n, 'true', ownStep(doc), id);
    setChoosing(false);
    setName('');
  };

  return (
    <div className="edit-row edit-logic">
      <form className="edit-inline" aria-label="Guard of the transition" onSubmit={createGuard}>
        <label htmlFor={`${fieldId}-guard`}>Guard</label>
        <select
          id={`${fieldId}-guard`}
          value={choosing ? NEW : guard}
          onChange={(e) => {
            const v = e.target.value;
            setProblem(undefined);
            if (v === NEW) {
              setChoosing(true);
              return;
            }
            setChoosing(false);
            setTransitionGuard(doc, id, v === NONE ? null : v, ownStep(doc));
          }}
        >
          <option value={NONE}>none (fires whenever its event comes)</option>
          {guard !== NONE && !guards.has(guard) && <option value={guard}>{guard} (no such guard)</option>}
          {guardNames.map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
          <option value={NEW}>New guard…</option>
        </select>
        {choosing && (
          <>
            <label htmlFor={`${fieldId}-new`}>named</label>
            <input
              id={`${fieldId}-new`}
              value={name}
              size={12}
              spellCheck={false}
              placeholder="hasOrderId"
              aria-invalid={problem !== undefined}
              {...(problem && { 'aria-describedby': `${fieldId}-problem` })}
              onChange={(e) => {
                setName(e.target.value);
                setProblem(undefined);
              }}
            />
            <button type="submit">Create guard</button>
            {problem && (
              <span role="alert" id={`${fieldId}-problem`} className="error-text">
                {problem}
              </span>
            )}
          </>
        )}
      </form>
      <fieldset className="edit-inline edit-fieldset" aria-label="Actions of the transition">
        <legend>Actions</legend>
        {runs.length === 0 && <span className="muted">none</span>}
        <ul className="edit-chips">
          {runs.map((ref, i) => {
            const n = refName(ref) ?? '?';
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: one action may run twice; its place is its identity here.
              <li key={i} className="edit-chip">
                <code>{n}</code>
                <button
                  type="button"
                  aria-label={`Take action ${n} off the transition`}
                  onClick={() =>
                    setTransitionActions(
                      doc,
                      id,
                      runs.filter((_, j) => j !== i),
                      ownStep(doc),
                    )
                  }
                >
                  ✕
                </button>
              </li>
            );
          })}
        </ul>
        <select
          aria-label="Run an action on the transition"
          value=""
          disabled={actionNames.length === 0}
          onChange={(e) => {
            if (e.target.value !== '') setTransitionActions(doc, id, [...runs, e.target.value], ownStep(doc));
          }}
        >
          <option value="">
            {actionNames.length === 0 ? 'no actions yet (add one in the panel)' : 'Add an action…'}
          </option>
          {actionNames.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </fieldset>
    </div>
  );
}
