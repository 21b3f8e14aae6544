import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type GymSpec, parseSpec } from '@palestra/envs/core';
import { type LaidOutGraph, layoutGraph, NODE_METRICS } from './layoutGraph.ts';
import { statechartGraph } from './statechartGraph.ts';
import { syntheticSpec } from './syntheticSpec.ts';

type Box = { x: number; y: number; width: number; height: number };

/** Checks the drawing's geometry: every child inside its container, no two siblings overlapping. */
function assertGeometry(laid: LaidOutGraph): void {
  const byId = new Map(laid.nodes.map((n) => [n.id, n]));
  const box = (id: string): Box => {
    const n = byId.get(id)!;
    return { x: n.position.x, y: n.position.y, width: n.width, height: n.height };
  };
  for (const n of laid.nodes) {
    const b = box(n.id);
    for (const v of [b.x, b.y, b.width, b.height]) assert.ok(Number.isFinite(v), `${n.id}: ${v}`);
    assert.ok(b.width >= NODE_METRICS.minWidth && b.height >= NODE_METRICS.height, `${n.id} has a size`);
    assert.deepEqual(n.style, { width: b.width, height: b.height });
    if (n.parentId === undefined) continue;
    const p = box(n.parentId);
    // Positions are relative to the parent, so the child's box lies in [0, parent size].
    assert.ok(b.x >= 0 && b.y >= NODE_METRICS.containerHeader, `${n.id} starts inside ${n.parentId}`);
    assert.ok(b.x + b.width <= p.width + 1e-6, `${n.id} ends inside ${n.parentId} (x)`);
    assert.ok(b.y + b.height <= p.height + 1e-6, `${n.id} ends inside ${n.parentId} (y)`);
  }
  const siblings = new Map<string, typeof laid.nodes>();
  for (const n of laid.nodes) siblings.set(n.parentId ?? '', [...(siblings.get(n.parentId ?? '') ?? []), n]);
  for (const group of siblings.values())
    for (let i = 0; i < group.length; i++)
      for (let j = i + 1; j < group.length; j++) {
        const a = box(group[i]!.id);
        const b = box(group[j]!.id);
        const apart =
          a.x + a.width <= b.x + 1e-6 ||
          b.x + b.width <= a.x + 1e-6 ||
          a.y + a.height <= b.y + 1e-6 ||
          b.y + b.height <= a.y + 1e-6;
        assert.ok(apart, `${group[i]!.id} and ${group[j]!.id} overlap`);
      }
}

async function timed(spec: Pick<GymSpec, 'machine'>) {
  const started = performance.now();
  const laid = await layoutGraph(statechartGraph(spec));
  return { laid, ms: performance.now() - started };
}

describe('layoutGraph', () => {
  const times: string[] = [];
  for (const name of catalogNames()) {
    it(`${name}: every node placed, children inside containers, siblings apart`, async () => {
      const { spec } = loadCatalog(name);
      const graph = statechartGraph(spec);
      const { laid, ms } = await timed(spec);
      times.push(`${name} ${ms.toFixed(0)} ms`);
      assert.deepEqual(
        laid.nodes.map((n) => n.id),
        graph.nodes.map((n) => n.id),
      );
      assert.deepEqual(
        laid.edges.map((e) => [e.id, e.source, e.target, e.label]),
        graph.edges.map((e) => [e.id, e.source, e.target, e.label]),
      );
      assertGeometry(laid);
      const routed = laid.edges.filter((e) => e.data?.route);
      assert.ok(routed.length > 0, 'ELK routes the edges between states');
      for (const e of routed) assert.ok(e.data!.route!.points.length >= 2);
    });
  }

  it('refund-desk: the container holds its two states; the same graph, the same layout', async () => {
    const { spec } = loadCatalog('refund-desk');
    const { laid } = await timed(spec);
    assert.deepEqual(await layoutGraph(statechartGraph(spec)), laid);
    const open = laid.nodes.find((n) => n.id === 'open')!;
    const inside = laid.nodes.filter((n) => n.parentId === 'open').map((n) => n.id);
    assert.deepEqual(inside.sort(), ['open.reviewing', 'open.triage']);
    assert.ok(open.width > 2 * NODE_METRICS.minWidth, 'wide enough for two states');
  });

  it('parallel regions, a drawn root, loops on containers and edges into a container', async () => {
    const machine = {
      initial: 'work',
      on: { RESET: '.work' },
      states: {
        work: {
          type: 'parallel',
          on: { TICK: {}, IN: '.a.a2' },
          states: {
            a: { initial: 'a1', states: { a1: { on: { NEXT: 'a2', OUT: '#(machine).done' } }, a2: {} } },
            b: { initial: 'b1', states: { b1: { on: { LOOP: 'b1' } } } },
          },
        },
        done: { type: 'final' },
      },
    } as unknown as GymSpec['machine'];
    const { laid } = await timed({ machine });
    assert.equal(laid.nodes.length, 8);
    assertGeometry(laid);
    assert.equal(laid.edges.length, 6);
  });

  it('a machine with no states gives an empty drawing', async () => {
    const laid = await layoutGraph(statechartGraph({ machine: {} }));
    assert.deepEqual([laid.nodes, laid.edges], [[], []]);
  });

  it('a generated machine of 200 states', async () => {
    const spec = parseSpec(syntheticSpec(200));
    const { laid, ms } = await timed(spec);
    assert.equal(laid.nodes.length, 200);
    assertGeometry(laid);
    times.push(`200 states ${ms.toFixed(0)} ms`);
    // Printed, not asserted: timings belong in the benchmark.
    console.log(`layout times: ${times.join(', ')}`);
  });
});
