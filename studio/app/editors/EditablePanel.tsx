import { useMemo, useRef } from 'react';
import type * as Y from 'yjs';
import { filesOf, toSpec } from '../doc/toSpec.ts';
import { CodeModulesEditor } from './CodeModulesEditor.tsx';
import { type Vocabulary, vocabularyOf } from './completions.ts';
import { EditorsContext, type EditorsContextValue, useTypingPeers } from './EditorsContext.tsx';
import type { AwarenessLike } from './editorAwareness.ts';
import { GuardsActionsEditor } from './GuardsActionsEditor.tsx';
import { LimitsEditor } from './LimitsEditor.tsx';
import { ObservationEditor } from './ObservationEditor.tsx';
import { RewardEditor } from './RewardEditor.tsx';
import { rulesRange } from './rulesRange.ts';
import { TasksEditor } from './TasksEditor.tsx';
import { ToolsEditor } from './ToolsEditor.tsx';
import './editors.css';

/** Props of `EditablePanel`. */
export interface EditablePanelProps {
  doc: Y.Doc;
  /** The document's change count: the forms re-read the document when it moves. */
  version: number;
  readOnly: boolean;
  awareness: AwarenessLike | undefined;
}

/**
 * The side panel of a studio environment: the same sections as the read-only panel, each an
 * editor of the shared document (forms for tools, tasks, limits and reward bounds; collaborative
 * CodeMirror editors for expressions, templates and code). A viewer sees every field disabled.
 *
 * @example
 * <EditablePanel doc={doc} version={version} readOnly={false} awareness={collab.awareness} />
 */
export function EditablePanel({ doc, version, readOnly, awareness }: EditablePanelProps) {
  const typing = useTypingPeers(awareness);
  // Completion and the lists of states read the document as it is now, computed once per change.
  const cached = useRef<
    | {
        version: number;
        spec: unknown;
        vocabulary: Vocabulary;
        paths: ReadonlyMap<string, string>;
        range?: { value: { min: number; max: number } | undefined };
      }
    | undefined
  >(undefined);
  const versionNow = useRef(version);
  versionNow.current = version;
  const value = useMemo<EditorsContextValue>(() => {
    const current = () => {
      if (cached.current?.version !== versionNow.current) {
        const { spec, paths } = toSpec(doc);
        cached.current = { version: versionNow.current, spec, vocabulary: vocabularyOf(spec), paths };
      }
      return cached.current;
    };
    return {
      doc,
      readOnly,
      awareness,
      typing,
      vocabulary: () => current().vocabulary,
      paths: () => current().paths,
      rulesRange: () => {
        const now = current();
        now.range ??= { value: rulesRange(now.spec, filesOf(doc)) };
        return now.range.value;
      },
    };
  }, [doc, readOnly, awareness, typing]);
  return (
    <EditorsContext.Provider value={value}>
      <aside className="side-panel spec-panel editable-panel" aria-label="Environment details">
        {readOnly && <p className="muted">You are a viewer: you can look, not edit.</p>}
        <ToolsEditor />
        <TasksEditor />
        <GuardsActionsEditor />
        <RewardEditor />
        <ObservationEditor />
        <LimitsEditor />
        <CodeModulesEditor />
      </aside>
    </EditorsContext.Provider>
  );
}
