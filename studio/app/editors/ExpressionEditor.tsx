import { useEffect, useRef, useState } from 'react';
import * as Y from 'yjs';
import { undoManagerFor } from '../collab/undo.ts';
import type { ExpressionKind } from './completions.ts';
import { useEditors } from './EditorsContext.tsx';
import { EDITING, TEXT_CURSOR } from './editorAwareness.ts';
import './editors.css';

/** Props of `ExpressionEditor`. */
export interface ExpressionEditorProps {
  /** The shared text (undefined or not a `Y.Text`: shown as missing). */
  text: unknown;
  /** CEL of a guard, an assignment, a reward or a JSON observation field; a template; or code. */
  language: ExpressionKind | 'javascript' | 'json';
  /** The accessible name, and the words presence uses for this field: `guard isPaid`. */
  label: string;
  /** A stable key of this field among the panel's editors (presence). */
  fieldKey: string;
}

/**
 * One field of the document in a collaborative CodeMirror editor (`createExpressionEditor.ts`, loaded
 * lazily: CodeMirror needs the DOM). Until it has loaded, the text is shown in a read-only
 * textarea. Focusing it tells the others "typing in the <label>" (awareness `editing`); leaving
 * it clears that and this person's cursor. Beside the label, a mark in each colleague's colour
 * names who is typing here.
 *
 * @example
 * <ExpressionEditor text={guard.get('expr')} language="guard" label="guard isPaid" fieldKey="guard:isPaid" />
 */
export function ExpressionEditor({ text, language, label, fieldKey }: ExpressionEditorProps) {
  const editors = useEditors();
  const { doc, readOnly, awareness } = editors;
  const host = useRef<HTMLDivElement>(null);
  const [mounted, setMounted] = useState(false);
  // The latest vocabulary, read when completion starts, without re-creating the editor.
  const latest = useRef(editors);
  latest.current = editors;
  const ytext = text instanceof Y.Text ? text : undefined;

  useEffect(() => {
    if (!ytext) return;
    let view: { destroy(): void } | undefined;
    let cancelled = false;
    const focus = (focused: boolean) => {
      if (!awareness) return;
      awareness.setLocalStateField(EDITING, focused ? { key: fieldKey, label } : null);
      if (!focused) awareness.setLocalStateField(TEXT_CURSOR, null);
    };
    import('./createExpressionEditor.ts').then(
      ({ createExpressionEditor }) => {
        if (cancelled || !host.current) return;
        view = createExpressionEditor(host.current, {
          ytext,
          language:
            language === 'javascript' || language === 'json' ? { code: language } : { kind: language },
          vocabulary: () => latest.current.vocabulary(),
          awareness,
          undoManager: undoManagerFor(doc),
          readOnly,
          label,
          onFocusChange: focus,
        });
        setMounted(true);
      },
      // The chunk failed to load (offline, a stale build): the plain text stays.
      () => undefined,
    );
    return () => {
      cancelled = true;
      view?.destroy();
      setMounted(false);
      // An editor removed while typing in it (its guard deleted by a colleague) gets no blur.
      const editing = awareness?.getLocalState()?.[EDITING] as { key?: unknown } | null | undefined;
      if (editing?.key === fieldKey) focus(false);
    };
  }, [ytext, language, label, fieldKey, doc, readOnly, awareness]);

  const typing = editors.typing.get(fieldKey) ?? [];
  return (
    <div className="expression-editor" data-field={fieldKey}>
      {typing.length > 0 && (
        <span className="field-presence">
          {typing.map((p) => (
            <span key={p.clientId} className="field-peer" style={{ background: p.colour }} data-peer={p.name}>
              {p.name} is typing
            </span>
          ))}
        </span>
      )}
      {ytext ? (
        <>
          <div ref={host} className="expression-editor-host" hidden={!mounted} />
          {!mounted && (
            <textarea
              className="expression-editor-fallback"
              readOnly
              value={ytext.toString()}
              aria-label={label}
              rows={Math.min(8, ytext.toString().split('\n').length)}
            />
          )}
        </>
      ) : (
        <p className="panel-none">Not an editable text in the document.</p>
      )}
    </div>
  );
}
