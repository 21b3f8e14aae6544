// Palestra's own exports, imported back: every catalog machine (and generated ones with parallel
// states, finals, eventless and guarded transitions) exported as XState TypeScript and as Mermaid
// gives back the same state tree and the same transitions, and a spec that passes parseSpec.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type GymSpec, parseSpec } from '@palestra/envs/core';
import { mermaidOf } from '../../app/canvas/mermaidOf.ts';
import { statechartGraph } from '../../app/canvas/statechartGraph.ts';
import { syntheticSpec } from '../../app/canvas/syntheticSpec.ts';
import { xstateTs } from '../../app/export/xstateTs.ts';
import { convertImport } from './convertImport.ts';

/** The machine as the canvas sees it: states by path with kind and initial mark; transitions by source and event, in order. */
function shape(machine: GymSpec['machine'], mermaid = false) {
  const graph = statechartGraph({ machine });
  const states = graph.nodes.map((n) => `${n.id} ${n.data.type}${n.data.initial ? ' initial' : ''}`).sort();
  const bySourceEvent = new Map<string, string[]>();
  for (const e of graph.edges) {
    const key = `${e.source} ${e.data.kind}:${e.data.event}`;
    const guard = e.data.guard === undefined ? '' : ` [${e.data.guard}]`;
    const actions = e.data.actions.length > 0 ? ` / ${e.data.actions.join(',')}` : '';
    // Mermaid draws a transition that stays and one that re-enters its own state alike, as a loop.
    const to = e.data.targetless || (mermaid && e.source === e.target) ? '(loop)' : e.target;
    bySourceEvent.set(key, [...(bySourceEvent.get(key) ?? []), `→ ${to}${guard}${actions}`]);
  }
  const transitions = [...bySourceEvent]
    .map(([k, v]) => `${k} ${(mermaid ? [...v].sort() : v).join(' | ')}`)
    .sort();
  assert.deepEqual(graph.unresolved, [], 'every target resolves');
  return { states, transitions };
}

const machines: Array<{ name: string; spec: GymSpec }> = [
  ...catalogNames().map((name) => ({ name, spec: loadCatalog(name).spec })),
  ...[30, 60].map((n) => ({ name: `generated ${n}`, spec: parseSpec(syntheticSpec(n)) })),
];

describe('import of our own exports', () => {
  for (const { name, spec } of machines) {
    it(`${name}: XState TypeScript export → import: the same machine, context and definitions`, async () => {
      const converted = await convertImport(xstateTs(spec), `${name}.ts`);
      assert.ok(converted, 'read as an XState module, not a GymSpec');
      const imported = parseSpec(converted.spec);
      assert.deepEqual(imported.machine, spec.machine, 'the machine exactly as exported');
      assert.deepEqual(imported.context.initial, spec.context.initial);
      for (const [g, def] of Object.entries(spec.guards))
        if (def.expr !== undefined)
          assert.deepEqual(imported.guards[g], def, `guard ${g} read back from the file`);
      for (const [a, def] of Object.entries(spec.actions))
        if (def.assign !== undefined)
          assert.deepEqual(imported.actions[a], def, `action ${a} read back from the file`);
      const events = new Set(spec.tools.map((t) => t.event));
      assert.deepEqual(
        new Set(imported.tools.map((t) => t.event)),
        events,
        'one tool per event the agent sends',
      );
    });

    it(`${name}: Mermaid export → import: the same states, initial states, finals and transitions`, async () => {
      const converted = await convertImport(mermaidOf(spec), `${name}.mmd`);
      assert.ok(converted);
      const imported = parseSpec(converted.spec);
      // Unordered within one event of one state: the export writes each transition in the block
      // that holds both ends, so alternatives of one event that cross blocks come out of order;
      // and a loop is a loop (see shape).
      assert.deepEqual(shape(imported.machine, true), shape(spec.machine, true));
      // Mermaid carries names only: every guard the machine uses is a placeholder to fill.
      const used = Object.keys(spec.guards).filter((g) =>
        shape(spec.machine).transitions.some((t) => t.includes(`[${g}]`)),
      );
      assert.deepEqual([...converted.report.placeholders.guards].sort(), used.sort());
    });
  }
});
