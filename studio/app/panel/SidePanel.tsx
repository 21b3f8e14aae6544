import type { GymSpec } from '@palestra/envs/core';
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
}

/**
 * The environment page's side panel: everything about the environment that is not the
 * statechart, in collapsible sections (tools and tasks open): tools with their parameter schemas,
 * tasks (a searchable table with the eval split marked, or the generator), reward rules,
 * observation templates, limits, guards and actions, and the code modules in read-only CodeMirror
 * views. Each section says "none" plainly when the spec has nothing for it. Renders on the server;
 * only the code views wait for the browser.
 *
 * @example
 * <div className="env-layout">
 *   <CanvasPane spec={env.spec} />
 *   <SidePanel spec={env.spec} files={env.files} />
 * </div>
 */
export function SidePanel({ spec, files }: SidePanelProps) {
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
