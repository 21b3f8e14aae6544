import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type GymSpec, parseSpec } from '@palestra/envs/core';
import {
  absoluteBoxes,
  containerEdges,
  nearestInDirection,
  placeProblems,
  ROOT_NODE_ID,
  statechartGraph,
} from './statechartGraph.ts';
import { syntheticSpec } from './syntheticSpec.ts';

type Machine = GymSpec['machine'];

/** Every state's dotted path, counted straight from the spec (not through the code under test). */
function statePathsOf(node: Machine, prefix = ''): string[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...statePathsOf(child, path)];
  });
}

/** How many transition targets the spec writes (a targetless transition counts once, as a loop). */
function transitionCount(node: Machine): number {
  const count = (value: unknown): number =>
    (Array.isArray(value) ? value : [value]).reduce<number>((sum, t) => {
      const target = typeof t === 'string' ? t : (t as { target?: unknown }).target;
      return sum + (Array.isArray(target) ? target.length : 1);
    }, 0);
  let n = Object.values(node.on ?? {}).reduce<number>((sum, v) => sum + count(v), 0);
  if (node.always !== undefined) n += count(node.always);
  return n + Object.values(node.states ?? {}).reduce((sum, c) => sum + transitionCount(c), 0);
}

describe('statechartGraph', () => {
  for (const name of catalogNames()) {
    it(`${name}: one node per state, one edge per transition target, every end a node`, () => {
      const { spec } = loadCatalog(name);
      const graph = statechartGraph(spec);
      const paths = statePathsOf(spec.machine);
      assert.deepEqual(graph.nodes.map((n) => n.id).sort(), [...paths].sort());
      assert.equal(graph.edges.length, transitionCount(spec.machine));
      assert.deepEqual(graph.unresolved, []);
      const ids = new Set(graph.nodes.map((n) => n.id));
      for (const e of graph.edges) {
        assert.ok(ids.has(e.source), `${e.id}: source ${e.source}`);
        assert.ok(ids.has(e.target), `${e.id}: target ${e.target}`);
      }
      assert.equal(new Set(graph.edges.map((e) => e.id)).size, graph.edges.length, 'edge ids are unique');
      const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
      for (const n of graph.nodes)
        if (n.parentId !== undefined) assert.ok(index.get(n.parentId)! < index.get(n.id)!, 'parents first');
      assert.deepEqual(statechartGraph(spec), graph, 'deterministic');
    });
  }

  it('refund-desk: containers, finals, the initial state, labels with guard and actions', () => {
    const graph = statechartGraph(loadCatalog('refund-desk').spec);
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    assert.equal(node('open').type, 'container');
    assert.equal(node('open').data.type, 'compound');
    assert.equal(node('open').data.initial, true);
    assert.equal(node('open.triage').parentId, 'open');
    assert.equal(node('open.triage').data.initial, true);
    assert.equal(node('open.reviewing').data.initial, false);
    assert.equal(node('resolved').data.type, 'final');
    assert.equal(node('resolved').parentId, undefined);
    const lookup = graph.edges.find((e) => e.id === 'open:on.LOOKUP[0]')!;
    assert.equal(lookup.target, 'open.reviewing');
    assert.equal(lookup.label, 'LOOKUP [orderExists] / loadOrder');
    assert.equal(lookup.data.jsonPath, '$.machine.states.open.on.LOOKUP[0]');
    const say = graph.edges.find((e) => e.id === 'open:on.SAY')!;
    assert.deepEqual(
      [say.source, say.target, say.label, say.data.targetless],
      ['open', 'open', 'SAY / recordReply', true],
    );
    const refund = graph.edges.find((e) => e.id === 'open.reviewing:on.REFUND[1]')!;
    assert.deepEqual([refund.target, refund.label], ['violated', 'REFUND / recordRefund']);
  });

  it('labels eventless transitions, including ones without guard or actions', () => {
    const graph = statechartGraph(loadCatalog('tally').spec);
    const labels = graph.edges.filter((e) => e.source === 'checking').map((e) => [e.label, e.target]);
    assert.deepEqual(labels, [
      ['always [overflowed]', 'overflow'],
      ['always [passedHalf]', 'halfway'],
      ['always', 'counting'],
    ]);
    assert.deepEqual(graph.nodes.find((n) => n.id === 'halfway')!.data.entry, ['markHalfway']);
  });

  it('parallel regions, history, targets by sibling, child, id and path, several targets, after', () => {
    const machine = {
      id: 'm',
      initial: 'work',
      on: { RESET: '.work' },
      states: {
        work: {
          type: 'parallel',
          on: { DONE: { target: ['#m.done'] } },
          states: {
            a: {
              initial: 'a1',
              states: {
                a1: { on: { NEXT: 'a2', SELF: { target: 'a1', reenter: true } } },
                a2: { on: { BACK: { target: 'a1', guard: { type: 'can', params: { x: 1 } } } } },
                hist: { type: 'history', history: 'deep', target: 'a2' },
              },
            },
            b: { initial: 'b1', states: { b1: { after: { 500: 'b2' } }, b2: {} } },
          },
        },
        done: { id: 'finished', type: 'final' },
        back: { on: { GO: { target: ['#m.work.a.a2', '#m.work.b.b2'], actions: ['x', { type: 'y' }] } } },
      },
    } as unknown as Machine;
    const graph = statechartGraph({ machine });
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    assert.equal(graph.nodes[0]!.id, ROOT_NODE_ID, 'the root is drawn when it has transitions');
    assert.equal(graph.nodes.length, statePathsOf(machine).length + 1);
    assert.equal(node('work').data.type, 'parallel');
    assert.equal(node('work').parentId, ROOT_NODE_ID);
    assert.equal(node('work.a').data.region, true);
    assert.equal(node('work.a').data.initial, false, 'regions are not initial states');
    assert.equal(node('work.a.hist').data.history, 'deep');
    const edges = graph.edges.map((e) => `${e.source} -> ${e.target}: ${e.label}`);
    assert.deepEqual(edges, [
      '(machine) -> work: RESET',
      'work -> done: DONE',
      'work.a.a1 -> work.a.a2: NEXT',
      'work.a.a1 -> work.a.a1: SELF',
      'work.a.a2 -> work.a.a1: BACK [can]',
      'work.a.hist -> work.a.a2: history',
      'work.b.b1 -> work.b.b2: after 500ms',
      'back -> work.a.a2: GO / x, y',
      'back -> work.b.b2: GO / x, y',
    ]);
    const self = graph.edges.find((e) => e.label === 'SELF')!;
    assert.equal(self.data.targetless, false, 'a self-loop with a target is not targetless');
    assert.deepEqual(
      graph.edges.filter((e) => e.data.event === 'GO').map((e) => e.id),
      ['back:on.GO#0', 'back:on.GO#1'],
    );
  });

  it('lists targets that name no state instead of drawing them', () => {
    const machine = { initial: 'a', states: { a: { on: { GO: 'nowhere' } } } } as Machine;
    const graph = statechartGraph({ machine });
    assert.deepEqual(graph.edges, []);
    assert.deepEqual(graph.unresolved, [{ jsonPath: '$.machine.states.a.on.GO', target: 'nowhere' }]);
  });

  it('a generated 200-state machine parses and gives 200 nodes', () => {
    const spec = parseSpec(syntheticSpec(200));
    assert.equal(statePathsOf(spec.machine).length, 200);
    const graph = statechartGraph(spec);
    assert.equal(graph.nodes.length, 200);
    assert.equal(graph.edges.length, transitionCount(spec.machine));
    assert.ok(graph.nodes.some((n) => n.data.type === 'parallel'));
  });
});

describe('placeProblems', () => {
  const spec = {
    machine: {
      initial: 'a',
      on: { RESET: '.a' },
      states: {
        a: {
          on: {
            GO: [{ guard: 'never', target: 'b' }, { target: 'c' }],
            SKIP: 'b',
          },
        },
        b: { initial: 'x', states: { x: {} } },
        c: { type: 'final' as const },
      },
    },
  } as Pick<GymSpec, 'machine'>;
  const graph = statechartGraph(spec);
  const edge = (source: string, event: string, target: string) =>
    graph.edges.find((e) => e.source === source && e.data.event === event && e.target === target)!.id;

  it('puts a state on its node, a transition on the edge with its source, event and target', () => {
    const problems = [
      { id: 'p1', states: ['b', 'b.x'], transitions: [{ source: 'a', event: 'GO', target: 'b' }] },
      { id: 'p2', states: ['b.x'], transitions: [] },
    ];
    const { elementsOf, problemsAt } = placeProblems(graph, problems);
    assert.deepEqual(elementsOf.get('p1'), ['b', 'b.x', edge('a', 'GO', 'b')]);
    assert.deepEqual(
      problemsAt.get('b.x')?.map((p) => p.id),
      ['p1', 'p2'],
    );
    // The other branch of GO (to c) and SKIP (to b) carry nothing.
    assert.equal(problemsAt.get(edge('a', 'GO', 'c')), undefined);
    assert.equal(problemsAt.get(edge('a', 'SKIP', 'b')), undefined);
    assert.equal(problemsAt.get('a'), undefined);
  });

  it('a transition without a target marks every edge of its event; the root is its own node', () => {
    const { elementsOf } = placeProblems(graph, [
      { id: 'go', states: [], transitions: [{ source: 'a', event: 'GO' }] },
      { id: 'root', states: [''], transitions: [{ source: '', event: 'RESET', target: 'a' }] },
    ]);
    assert.deepEqual(elementsOf.get('go'), [edge('a', 'GO', 'b'), edge('a', 'GO', 'c')]);
    assert.deepEqual(elementsOf.get('root'), [ROOT_NODE_ID, edge(ROOT_NODE_ID, 'RESET', 'a')]);
  });

  it('names the graph does not draw place nothing', () => {
    const { elementsOf, problemsAt } = placeProblems(graph, [
      { id: 'ghost', states: ['nowhere'], transitions: [{ source: 'a', event: 'NOPE' }] },
      { id: 'env', states: [], transitions: [] },
    ]);
    assert.deepEqual(elementsOf.get('ghost'), []);
    assert.deepEqual(elementsOf.get('env'), []);
    assert.equal(problemsAt.size, 0);
  });
});

describe('keyboard navigation', () => {
  //  [left]   [box]          [right]
  //           [in.child]
  //  (left and right in a container `in` at y 100)
  const nodes = [
    { id: 'left', position: { x: 0, y: 0 }, width: 50, height: 20 },
    { id: 'mid', position: { x: 100, y: 0 }, width: 50, height: 20 },
    { id: 'far', position: { x: 400, y: 5 }, width: 50, height: 20 },
    { id: 'up-close', position: { x: 160, y: -150 }, width: 50, height: 20 },
    { id: 'in', position: { x: 80, y: 100 }, width: 120, height: 80 },
    { id: 'in.child', parentId: 'in', position: { x: 20, y: 40 }, width: 50, height: 20 },
  ];

  it('positions inside containers become canvas coordinates', () => {
    const child = absoluteBoxes(nodes).find((b) => b.id === 'in.child');
    assert.deepEqual(child, { id: 'in.child', parentId: 'in', x: 100, y: 140, width: 50, height: 20 });
  });

  it('an arrow moves to the nearest node within 45° of it, else the nearest on that side', () => {
    const boxes = absoluteBoxes(nodes);
    // up-close and the container `in` are nearer to mid than far is, but off to the side: far wins.
    assert.equal(nearestInDirection(boxes, 'mid', 'right'), 'far');
    assert.equal(nearestInDirection(boxes, 'mid', 'left'), 'left');
    assert.equal(nearestInDirection(boxes, 'mid', 'up'), 'up-close');
    assert.equal(nearestInDirection(boxes, 'mid', 'down'), 'in.child');
    assert.equal(nearestInDirection(boxes, 'in.child', 'up'), 'mid');
    // Into and out of a container: its centre is a little right of its child's.
    assert.equal(nearestInDirection(boxes, 'in.child', 'right'), 'in');
    // Nothing within 45° below the container's centre but its child (just off the cone): the side rule.
    assert.equal(nearestInDirection(boxes, 'in', 'down'), 'in.child');
    assert.equal(nearestInDirection(boxes, 'left', 'left'), undefined);
    assert.equal(nearestInDirection(boxes, 'missing', 'left'), undefined);
  });
});

describe('containerEdges', () => {
  const boxes = absoluteBoxes([
    { id: 'open', position: { x: 100, y: 200 }, width: 180, height: 140 },
    { id: 'open.triage', parentId: 'open', position: { x: 16, y: 48 }, width: 80, height: 40 },
    { id: 'done', position: { x: 400, y: 200 }, width: 80, height: 40 },
  ]);
  const metrics = { charWidth: 6.5, height: 16 };
  const edges = [
    { id: 'enter', source: 'open', target: 'open.triage', label: 'LOOKUP [ok]' },
    { id: 'loop1', source: 'open', target: 'open', label: 'SAY' },
    { id: 'loop2', source: 'open', target: 'open', label: 'REPLY / note' },
    { id: 'leave', source: 'open.triage', target: 'open', label: 'UP' },
    { id: 'elsewhere', source: 'open.triage', target: 'done', label: 'GO' },
  ];

  it("stacks a container's labels above it, one row each, and leaves other edges alone", () => {
    const drawn = containerEdges(edges, boxes, metrics);
    assert.deepEqual([...drawn.keys()], ['enter', 'loop1', 'loop2', 'leave']);
    const ys = [...drawn.values()].map((d) => d.label.y);
    // Above the container's top (y 200), 20 px apart, none on another.
    assert.deepEqual(ys, [188, 168, 148, 128]);
    for (const d of drawn.values()) assert.ok(d.label.x - 2 > 100, 'starts right of the left border');
  });

  it('a loop arches on the top border; an edge into a child ends at its left side', () => {
    const drawn = containerEdges(edges, boxes, metrics);
    assert.match(drawn.get('loop1')!.path, / 200$/);
    assert.match(drawn.get('loop1')!.path, /^M [\d.]+ 200 /);
    // open.triage is at (116, 248), 40 high: its left middle is (116, 268).
    assert.match(drawn.get('enter')!.path, / 116 268$/);
    assert.match(drawn.get('leave')!.path, /^M 196 268 /);
  });
});
