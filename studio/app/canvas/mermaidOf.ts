import type { GymSpec } from '@palestra/envs/core';
import {
  ROOT_NODE_ID,
  type StateGraphNode,
  statechartGraph,
  type TransitionGraphEdge,
} from './statechartGraph.ts';

/**
 * The spec's statechart as Mermaid `stateDiagram-v2` text: every state declared with its key as
 * its name (`state "reviewing" as open__reviewing`), compound states as blocks, the regions of a
 * parallel state separated by `--`, `[*] -->` the initial state of each level, final states
 * `--> [*]`, and each transition `source --> target : EVENT [guard] / actions`, written in the
 * innermost block holding both ends. Mermaid ids allow no dots, so a state's dotted path becomes
 * its id with `.` as `__`. Transitions on the machine itself have no box to start from in Mermaid
 * and are written as comments.
 *
 * @example
 * mermaidOf(spec) // 'stateDiagram-v2\n  state "open" as open {\n    [*] --> open__triage\n …'
 */
export function mermaidOf(spec: Pick<GymSpec, 'machine'>): string {
  const graph = statechartGraph(spec);
  const nodes = graph.nodes.filter((n) => n.id !== ROOT_NODE_ID);
  const parentOf = (n: StateGraphNode) => (n.parentId === ROOT_NODE_ID ? undefined : n.parentId);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map<string, StateGraphNode[]>();
  for (const n of nodes) {
    const key = parentOf(n) ?? '';
    children.set(key, [...(children.get(key) ?? []), n]);
  }
  const ids = mermaidIds(nodes);
  const edgesIn = new Map<string, TransitionGraphEdge[]>();
  const comments: string[] = [];
  for (const e of graph.edges) {
    if (e.source === ROOT_NODE_ID || e.target === ROOT_NODE_ID) {
      comments.push(`%% on the machine: ${e.label} --> ${e.target}`);
      continue;
    }
    const scope = commonScope(byId, e.source, e.target);
    edgesIn.set(scope, [...(edgesIn.get(scope) ?? []), e]);
  }

  const lines = ['stateDiagram-v2', ...comments.map((c) => `  ${c}`)];
  const writeNode = (n: StateGraphNode, indent: string) => {
    const id = ids.get(n.id)!;
    if (n.type === 'container') {
      lines.push(`${indent}state "${text(n.data.label)}" as ${id} {`);
      if (n.data.type === 'parallel') {
        (children.get(n.id) ?? []).forEach((region, i) => {
          if (i > 0) lines.push(`${indent}  --`);
          writeNode(region, `${indent}  `);
        });
        writeEdges(n.id, `${indent}  `);
      } else write(n.id, `${indent}  `);
      lines.push(`${indent}}`);
    } else lines.push(`${indent}state "${text(n.data.label)}" as ${id}`);
    if (n.data.initial) lines.push(`${indent}[*] --> ${id}`);
    if (n.data.type === 'final') lines.push(`${indent}${id} --> [*]`);
  };
  const write = (scope: string, indent: string) => {
    for (const n of children.get(scope) ?? []) writeNode(n, indent);
    writeEdges(scope, indent);
  };
  const writeEdges = (scope: string, indent: string) => {
    for (const e of edgesIn.get(scope) ?? [])
      lines.push(`${indent}${ids.get(e.source)} --> ${ids.get(e.target)} : ${text(e.label)}`);
  };
  write('', '  ');
  return `${lines.join('\n')}\n`;
}

/** Mermaid ids: the dotted path with `.` as `__` and other characters as `_`, made unique. */
function mermaidIds(nodes: StateGraphNode[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const n of nodes) {
    const base = n.id.replaceAll('.', '__').replace(/[^A-Za-z0-9_]/g, '_');
    let id = /^[A-Za-z]/.test(base) ? base : `s_${base}`;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    out.set(n.id, id);
  }
  return out;
}

/** The innermost container holding both ends of a transition (`''` for the top level). */
function commonScope(byId: Map<string, StateGraphNode>, source: string, target: string): string {
  const chain = (id: string) => {
    const out: string[] = [];
    for (let p = byId.get(id)?.parentId; p !== undefined && p !== ROOT_NODE_ID; p = byId.get(p)?.parentId)
      out.push(p);
    return out;
  };
  const targetChain = new Set(chain(target));
  return chain(source).find((p) => targetChain.has(p)) ?? '';
}

/** Text Mermaid reads literally: no quotes, semicolons or line breaks. */
function text(s: string): string {
  return s.replace(/["\n\r;]/g, ' ');
}
