/**
 * The transitions leaving the selected state, listed in the editing toolbar: each one's target,
 * guard and actions edited in place. The same edits as selecting the transition on the canvas,
 * reached without finding its arrow (a crowded chart, a loop drawn over its state, the keyboard).
 */
import { useId, useState } from 'react';
import { docParts } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';
import { transitionWords } from '../editors/transitionWords.ts';
import { TransitionLogic } from './TransitionLogic.tsx';
import type { CanvasEditor } from './useCanvasEditor.ts';

/** Every state as `[document id, dotted path]`, by path. */
const statesByPath = (editor: CanvasEditor) =>
  [...editor.view.paths].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The `<select>` value for a transition with no target. */
const STAY = '';

export function StateTransitions({ editor, id }: { editor: CanvasEditor; id: string }) {
  const leaving = ordered(docParts(editor.doc).transitions).filter(([, m]) => m.get('source') === id);
  const path = editor.view.paths.get(id) ?? id;
  if (leaving.length === 0) return null;
  return (
    <details className="edit-transitions">
      <summary>
        Transitions from <code>{path}</code> ({leaving.length})
      </summary>
      <ul aria-label={`Transitions from ${path}`}>
        {leaving.map(([tid]) => (
          <StateTransition key={tid} editor={editor} id={tid} />
        ))}
      </ul>
    </details>
  );
}

function StateTransition({ editor, id }: { editor: CanvasEditor; id: string }) {
  const fieldId = useId();
  const m = docParts(editor.doc).transitions.get(id);
  const targets = m?.get('targets');
  const current =
    Array.isArray(targets) && typeof targets[0]?.state === 'string' ? (targets[0].state as string) : STAY;
  const [target, setTarget] = useState<string>();
  const words = transitionWords(editor.doc, id, editor.view.paths);
  return (
    <li className="edit-transition" aria-label={`Transition ${words}`}>
      <span className="edit-transition-words">{words}</span>
      <form
        className="edit-inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (target !== undefined) editor.retarget(id, target === STAY ? null : target);
          setTarget(undefined);
        }}
      >
        <label htmlFor={`${fieldId}-target`}>Target</label>
        <select
          id={`${fieldId}-target`}
          value={target ?? current}
          onChange={(e) => setTarget(e.target.value)}
        >
          <option value={STAY}>no target (stay)</option>
          {statesByPath(editor).map(([sid, p]) => (
            <option key={sid} value={sid}>
              {p}
            </option>
          ))}
        </select>
        <button type="submit">Retarget</button>
      </form>
      <TransitionLogic editor={editor} id={id} />
    </li>
  );
}
