/**
 * Editing on the canvas (issue 17): what the page hands the canvas to edit with, the inline rename
 * of a state's label, and where a dragged state lands. The canvas knows states by their dotted
 * path (`open.review`, `""` for the machine's root); the page turns paths into document edits.
 */
import { createContext, type KeyboardEvent, useContext, useState } from 'react';
import type { Place } from './placeNodes.ts';
import { type Box, ROOT_NODE_ID } from './statechartGraph.ts';

/** What the canvas can do to the document: given by a page whose reader may edit. */
export interface CanvasEdit {
  /** Manual positions from the document: dotted path → place in the parent's box. */
  positions: ReadonlyMap<string, Place>;
  /**
   * Counts "Tidy" requests: when it changes, the canvas forgets where it drew states before and
   * draws every state without a manual position where the automatic layout puts it.
   */
  tidy: number;
  /** Double-click on the empty pane: a new state at the top level, at `at` (in the root's box). */
  onAddState(at: Place): void;
  /** A new name typed on a state's label; returns why it is refused, or undefined when done. */
  onRename(path: string, name: string): string | undefined;
  /** A state dragged within its parent: its manual position. */
  onPosition(path: string, at: Place): void;
  /** A state dropped onto another (`parent`, `""` for the top level, then at `at`). */
  onNest(path: string, parent: string, at?: Place): void;
  /** A line drawn from one state's handle to another's: a new transition, its event to choose. */
  onConnect(source: string, target: string): void;
  /** A transition's end dragged onto another state. */
  onRetarget(edgeId: string, target: string): void;
  /** Delete pressed on a state or a transition (the page confirms). */
  onDelete(id: string, kind: 'state' | 'transition'): void;
}

/** The dotted path of a node id: the root container's id is the root's path, `""`. */
export const pathOfNode = (id: string) => (id === ROOT_NODE_ID ? '' : id);

/** The rename in progress, shared by the canvas and its node components. */
export interface RenameContext {
  renaming: string | undefined;
  setRenaming(path: string | undefined): void;
  onRename(path: string, name: string): string | undefined;
}

export const EditContext = createContext<RenameContext | undefined>(undefined);

/**
 * A state's title; in an editable canvas, double-click (or F2 on the focused state) turns it into
 * a field: Enter renames, Escape (or leaving the field) cancels.
 */
export function StateLabel({ path, label, strong }: { path: string; label: string; strong?: boolean }) {
  const edit = useContext(EditContext);
  const [problem, setProblem] = useState<string>();
  if (edit && edit.renaming === path) {
    const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
      e.stopPropagation();
      if (e.key === 'Escape') {
        setProblem(undefined);
        edit.setRenaming(undefined);
      } else if (e.key === 'Enter') {
        const name = e.currentTarget.value.trim();
        const refused = name === label ? undefined : edit.onRename(path, name);
        setProblem(refused);
        if (!refused) edit.setRenaming(undefined);
      }
    };
    return (
      <span className="state-rename nodrag">
        <input
          // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename
          autoFocus
          defaultValue={label}
          aria-label={`New name of ${label}`}
          aria-invalid={problem !== undefined}
          {...(problem !== undefined && { 'aria-describedby': `rename-problem-${cssId(path)}` })}
          size={Math.max(6, label.length + 2)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            setProblem(undefined);
            edit.setRenaming(undefined);
          }}
        />
        {problem !== undefined && (
          <span role="alert" className="state-rename-problem" id={`rename-problem-${cssId(path)}`}>
            {problem}
          </span>
        )}
      </span>
    );
  }
  const text = strong ? <strong>{label}</strong> : <span>{label}</span>;
  if (!edit) return text;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the keyboard's way to rename is F2 on the focused state (the canvas's keys)
    <span
      className="state-label"
      title="Double-click to rename"
      onDoubleClick={(e) => {
        e.stopPropagation();
        edit.setRenaming(path);
      }}
    >
      {text}
    </span>
  );
}

const cssId = (path: string) => path.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Where a state dragged to `point` (the pointer, in the chart's coordinates) lands: the smallest
 * box under the pointer that is neither the state nor inside it, or the top level (`""`) when no
 * box is. A box's id is its node id.
 *
 * @example
 * dropTarget(boxes, 'open.inner', { x: 420, y: 80 }) // 'review'
 */
export function dropTarget(boxes: readonly Box[], dragged: string, point: Place): string {
  let best: Box | undefined;
  for (const b of boxes) {
    if (b.id === dragged || b.id.startsWith(`${dragged}.`)) continue;
    if (point.x < b.x || point.x > b.x + b.width || point.y < b.y || point.y > b.y + b.height) continue;
    if (!best || b.width * b.height < best.width * best.height) best = b;
  }
  return best ? pathOfNode(best.id) : '';
}
