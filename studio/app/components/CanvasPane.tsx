/// <reference types="vite/client" />
import type { GymSpec } from '@palestra/envs/core';
import flowStyles from '@xyflow/react/dist/style.css?url';
import { StatechartCanvas, type StatechartCanvasProps } from '../canvas/StatechartCanvas.tsx';
import { ClientOnly } from './ClientOnly.tsx';
// The problem marks, the selection and the keys hint on the canvas (and the problems list's).
import '../problems/problems.css';
// A replay's path: the transitions taken and the states visited.
import '../canvas/path.css';
// Other people's pointers and selections (presence), on an environment page.
import '../collab/presence.css';

/** React Flow's stylesheet, for the `links` export of a route that shows a canvas. */
export const canvasLinks = [{ rel: 'stylesheet', href: flowStyles }];

/**
 * The statechart canvas in a sized pane, mounted in the browser only (React Flow measures the DOM;
 * ELK lays the graph out in the page). The server renders a placeholder of the same size. With
 * `problems`, `selected` and `onSelect` it works with a `ProblemsList` over the same selection.
 *
 * @example
 * export const links = () => canvasLinks;
 * <CanvasPane spec={spec} active={view.state} />
 * <CanvasPane spec={spec} layout={layout} active={frame.active} path={frame.path} visited={frame.visited} />
 * const [selected, setSelected] = useState<string>();
 * <CanvasPane spec={spec} problems={problems} selected={selected} onSelect={setSelected} />
 * <ProblemsList spec={spec} problems={problems} selected={selected} onSelect={setSelected} />
 * <CanvasPane spec={spec} peers={[{ key: '7', name: 'Ann', colour, cursor: { x: 40, y: 80 } }]} onPointer={send} />
 * <CanvasPane spec={spec} edit={editor.canvas} /> // editable: see useCanvasEditor
 */
export function CanvasPane(props: Omit<StatechartCanvasProps, 'spec'> & { spec: Pick<GymSpec, 'machine'> }) {
  return (
    <section className="canvas-pane" aria-label="Statechart canvas">
      <ClientOnly fallback={<p aria-busy="true">Loading the statechart…</p>}>
        {() => <StatechartCanvas {...props} />}
      </ClientOnly>
    </section>
  );
}
