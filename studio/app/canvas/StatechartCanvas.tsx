import type { GymSpec } from '@palestra/envs/core';
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  type EdgeProps,
  getBezierPath,
  Handle,
  MiniMap,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { type LaidOutGraph, layoutGraph, type TransitionFlowEdge } from './layoutGraph.ts';
import { type StateNodeData, statechartGraph } from './statechartGraph.ts';

export interface StatechartCanvasProps {
  spec: Pick<GymSpec, 'machine'>;
  /** Dotted paths of the active states (the simulator's), drawn lit. */
  active?: readonly string[];
  /** The id of the selected node or edge (a problem's element, say). */
  selected?: string;
  /** Called when a state or a transition is clicked, with its id. */
  onSelect?: (id: string, kind: 'state' | 'transition') => void;
}

/**
 * The statechart of a spec on a React Flow canvas, laid out by ELK: states as boxes, compound and
 * parallel states as containers, transitions along ELK's routes with their labels. Pan, zoom, fit,
 * a minimap and keyboard focus are React Flow's. The page links React Flow's stylesheet
 * (`@xyflow/react/dist/style.css`); it is not imported here, so that Node can import this module.
 *
 * @example
 * <StatechartCanvas spec={spec} active={['open', 'open.triage']} onSelect={(id) => show(id)} />
 */
export function StatechartCanvas({ spec, active = [], selected, onSelect }: StatechartCanvasProps) {
  const graph = useMemo(() => statechartGraph(spec), [spec]);
  const [laid, setLaid] = useState<LaidOutGraph | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    layoutGraph(graph).then(
      (l) => live && setLaid(l),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [graph]);

  const nodes = useMemo(() => {
    const lit = new Set(active);
    return (laid?.nodes ?? []).map((n) => ({
      ...n,
      selected: n.id === selected,
      className: lit.has(n.id) ? 'statechart-active' : undefined,
    }));
  }, [laid, active, selected]);
  const edges = useMemo(
    () => (laid?.edges ?? []).map((e) => ({ ...e, type: 'transition', selected: e.id === selected })),
    [laid, selected],
  );

  if (error) return <p role="alert">The statechart could not be laid out: {error}</p>;
  if (!laid) return <p aria-busy="true">Laying out the statechart…</p>;
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      edgeTypes={EDGE_TYPES}
      nodesDraggable={false}
      nodesConnectable={false}
      fitView
      minZoom={0.05}
      onNodeClick={(_, n) => onSelect?.(n.id, 'state')}
      onEdgeClick={(_, e) => onSelect?.(e.id, 'transition')}
      aria-label="Statechart"
    >
      <Background />
      <Controls />
      <MiniMap pannable zoomable />
    </ReactFlow>
  );
}

const HIDDEN_HANDLE = { opacity: 0, pointerEvents: 'none' } as const;

function Handles() {
  return (
    <>
      <Handle type="target" position={Position.Left} style={HIDDEN_HANDLE} isConnectable={false} />
      <Handle type="source" position={Position.Right} style={HIDDEN_HANDLE} isConnectable={false} />
    </>
  );
}

function StateBox({ data }: NodeProps<Node<StateNodeData>>) {
  const final = data.type === 'final';
  return (
    <div
      title={data.description ?? data.path}
      data-state={data.path}
      style={{
        boxSizing: 'border-box',
        width: '100%',
        height: '100%',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        gap: 4,
        borderRadius: 8,
        border: final ? '3px double currentColor' : '1px solid currentColor',
        background: 'var(--statechart-node-bg, Canvas)',
        font: '14px ui-monospace, monospace',
      }}
    >
      <Handles />
      {data.initial && (
        <span role="img" aria-label="initial state">
          →
        </span>
      )}
      {data.type === 'history' && (
        <span role="img" aria-label="history state">
          H{data.history === 'deep' ? '*' : ''}
        </span>
      )}
      <span>{data.label}</span>
    </div>
  );
}

function ContainerBox({ data }: NodeProps<Node<StateNodeData>>) {
  return (
    <div
      title={data.description ?? data.path}
      data-state={data.path}
      style={{
        boxSizing: 'border-box',
        width: '100%',
        height: '100%',
        borderRadius: 10,
        border: `1px ${data.region ? 'dashed' : 'solid'} currentColor`,
        background: 'var(--statechart-container-bg, transparent)',
        font: '14px ui-monospace, monospace',
        padding: '6px 10px',
      }}
    >
      <Handles />
      {data.initial && (
        <span role="img" aria-label="initial state">
          →{' '}
        </span>
      )}
      <strong>{data.label}</strong>
      {data.type === 'parallel' && <span> (parallel)</span>}
    </div>
  );
}

/** ELK's route when there is one, else a curve between the handles (a loop, an edge into a container). */
function TransitionEdge(props: EdgeProps<TransitionFlowEdge>) {
  const { id, label, data, markerEnd, selected } = props;
  const route = data?.route;
  let path: string;
  let labelX: number;
  let labelY: number;
  if (route && route.points.length >= 2) {
    path = route.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ');
    const middle = route.points[Math.floor(route.points.length / 2)]!;
    labelX = route.label?.x ?? middle.x;
    labelY = route.label?.y ?? middle.y;
  } else if (props.source === props.target) {
    const { sourceX: x, sourceY: y } = props;
    path = `M ${x} ${y} C ${x + 40} ${y - 50}, ${x - 40} ${y - 50}, ${props.targetX} ${props.targetY}`;
    labelX = x;
    labelY = y - 45;
  } else [path, labelX, labelY] = getBezierPath(props);
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ strokeWidth: selected ? 2.5 : 1.5 }} />
      <EdgeLabelRenderer>
        <div
          className="nodrag nopan"
          style={{
            position: 'absolute',
            transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`,
            font: '11px ui-monospace, monospace',
            background: 'var(--statechart-label-bg, Canvas)',
            padding: '0 2px',
            pointerEvents: 'all',
          }}
        >
          {label}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const NODE_TYPES = { state: StateBox, container: ContainerBox };
const EDGE_TYPES = { transition: TransitionEdge };
