import { useEffect, useId, useRef } from 'react';

/** Props of `ConfirmDelete`. */
export interface ConfirmDeleteProps {
  /** The question: `Delete guard isPaid?`. */
  question: string;
  /** What else happens, in a sentence (the transitions it is cleared from), or nothing. */
  consequence?: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A delete waiting for the user's yes, in place (an `alertdialog`: its question announced, Delete
 * focused, Escape cancels), naming what goes with the element.
 *
 * @example
 * <ConfirmDelete question="Delete guard isPaid?" consequence="It is cleared from LOOKUP from open." onConfirm={del} onCancel={close} />
 */
export function ConfirmDelete({ question, consequence, onConfirm, onCancel }: ConfirmDeleteProps) {
  const yes = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => yes.current?.focus(), []);
  return (
    <div
      className="editor-confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      {...(consequence && { 'aria-describedby': bodyId })}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <p id={titleId} className="editor-confirm-question">
        {question}
      </p>
      {consequence && <p id={bodyId}>{consequence}</p>}
      <div className="editor-actions">
        <button type="button" ref={yes} className="editor-delete" onClick={onConfirm}>
          Delete
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
