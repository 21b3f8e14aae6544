/**
 * The selected state's kind in the editing toolbar: an ordinary state, a final one, or a history
 * state ("resume where the agent left off"), shallow or deep; and for a history state, the state
 * it enters before its parent has been left once. A kind the state cannot take is refused here,
 * beside the field, with the reason and what to do (`stateKindProblem`).
 */
import { useId, useState } from 'react';
import { historyDefaultChoices, type StateKind, stateKindOf } from '../doc/edits.ts';
import { docParts } from '../doc/schema.ts';
import type { CanvasEditor } from './useCanvasEditor.ts';

/** The kinds offered, in the words the select shows. */
const KINDS: [StateKind, string][] = [
  ['state', 'state'],
  ['final', 'final'],
  ['shallow-history', 'history (shallow)'],
  ['deep-history', 'history (deep)'],
];

/** The default select's value for "no default": the parent's initial state. */
const NONE = '';
/** Its value for a default the list does not offer (named by `#id`, or naming no state). */
const OTHER = '#other';

export function StateKindFields({ editor, id }: { editor: CanvasEditor; id: string }) {
  const fieldId = useId();
  const [problem, setProblem] = useState<string>();
  const m = docParts(editor.doc).states.get(id);
  const kind = stateKindOf(m);
  return (
    <span className="edit-inline">
      <label htmlFor={`${fieldId}-kind`}>Kind</label>
      <select
        id={`${fieldId}-kind`}
        value={kind}
        onChange={(e) => setProblem(editor.setKind(id, e.target.value as StateKind))}
        aria-invalid={problem !== undefined}
        {...(problem && { 'aria-describedby': `${fieldId}-problem` })}
      >
        {KINDS.map(([value, words]) => (
          <option key={value} value={value}>
            {words}
          </option>
        ))}
      </select>
      {problem && (
        <span role="alert" id={`${fieldId}-problem`} className="error-text">
          {problem}
        </span>
      )}
      {(kind === 'shallow-history' || kind === 'deep-history') && <HistoryDefault editor={editor} id={id} />}
    </span>
  );
}

/** A history state's default state, chosen among the states it may name (`historyDefaultChoices`). */
function HistoryDefault({ editor, id }: { editor: CanvasEditor; id: string }) {
  const fieldId = useId();
  const target = docParts(editor.doc).states.get(id)?.get('target');
  const choices = historyDefaultChoices(editor.doc, id);
  const named = currentDefault(target);
  const value = named === NONE || choices.includes(named) ? named : OTHER;
  return (
    <>
      <label htmlFor={`${fieldId}-default`}>Default state</label>
      <select
        id={`${fieldId}-default`}
        value={value}
        onChange={(e) => {
          if (e.target.value !== OTHER)
            editor.setHistoryDefault(id, e.target.value === NONE ? null : e.target.value);
        }}
      >
        <option value={NONE}>(none: the parent's initial state)</option>
        {value === OTHER && <option value={OTHER}>{otherWords(editor, target)}</option>}
        {choices.map((sid) => (
          <option key={sid} value={sid}>
            {editor.view.paths.get(sid)}
          </option>
        ))}
      </select>
    </>
  );
}

/** The state id a stored default names; `NONE` when there is none, `OTHER` when it names no state. */
function currentDefault(target: unknown): string {
  if (target === undefined || target === '') return NONE;
  if (
    target !== null &&
    typeof target === 'object' &&
    typeof (target as { state?: unknown }).state === 'string'
  )
    return (target as { state: string }).state;
  return OTHER;
}

/** How a default outside the list reads: the state's path, or the target as written. */
function otherWords(editor: CanvasEditor, target: unknown): string {
  const t = (target ?? {}) as { state?: unknown; raw?: unknown };
  const path = typeof t.state === 'string' ? editor.view.paths.get(t.state) : undefined;
  if (path !== undefined) return path;
  const raw = typeof target === 'string' ? target : typeof t.raw === 'string' ? t.raw : '?';
  return `${raw} (names no state)`;
}
