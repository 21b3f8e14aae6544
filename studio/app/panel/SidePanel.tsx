import type { GymSpec } from '@palestra/envs/core';
import type * as Y from 'yjs';
import { EditablePanel } from '../editors/EditablePanel.tsx';
import type { AwarenessLike } from '../editors/editorAwareness.ts';
import { CodeSection } from './CodeSection.tsx';
import { GuardsActionsSection } from './GuardsActionsSection.tsx';
import { LimitsSection } from './LimitsSection.tsx';
import { ObservationSection } from './ObservationSection.tsx';
import './panel.css';
import { RewardSection } from './RewardSection.tsx';
import { TasksSection } from './TasksSection.tsx';
import { ToolsSection } from './ToolsSection.tsx';

/** Props of `SidePanel`. */
export interface SidePanelProps {
  spec: GymSpec;
  /** The environment's code modules by file name (`{ 'tasks.js': '…' }`); `{}` when it has none. */
  files: Record<string, string>;
  /** A studio environment's collaborative document: given, the panel edits it (once it has loaded). */
  doc?: Y.Doc;
  /** The document's change count (`useCollabDoc`'s `version`). */
  version?: number;
  /** A viewer: the editors are shown read-only. */
  readOnly?: boolean;
  /** The page's awareness (presence): remote cursors in the editors, who is typing where. */
  awareness?: AwarenessLike;
}

/**
 * The environment page's side panel: everything about the environment that is not the
 * statechart, in collapsible sections (tools and tasks open): tools with their parameter schemas,
 * tasks (a searchable table with the eval split marked, or the generator), reward rules,
 * observation templates, limits, guards and actions, and the code modules in read-only CodeMirror
 * views. Each section says "none" plainly when the spec has nothing for it. Renders on the server;
 * only the code views wait for the browser. Given a studio environment's document, it is the
 * editable panel instead (`EditablePanel`): the same sections as forms and collaborative editors.
 *
 * @example
 * <div className="env-layout">
 *   <CanvasPane spec={env.spec} />
 *   <SidePanel spec={env.spec} files={env.files} />
 * </div>
 */
export function SidePanel({ spec, files, doc, version = 0, readOnly = false, awareness }: SidePanelProps) {
  if (doc) return <EditablePanel doc={doc} version={version} readOnly={readOnly} awareness={awareness} />;
  return (
    <aside className="side-panel spec-panel" aria-label="Environment details">
      <ToolsSection tools={spec.tools} />
      <TasksSection spec={spec} />
      <RewardSection reward={spec.reward} />
      <ObservationSection observation={spec.observation} />
      <LimitsSection spec={spec} />
      <GuardsActionsSection spec={spec} />
      <CodeSection files={files} />
    </aside>
  );
}
