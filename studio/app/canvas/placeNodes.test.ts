import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropTarget } from './canvasEdit.tsx';
import { layoutGraph } from './layoutGraph.ts';
import { overlaps, placeNodes } from './placeNodes.ts';
import { absoluteBoxes, statechartGraph } from './statechartGraph.ts';

const machine = {
  initial: 'open',
  states: {
    open: { on: { GO: 'review' } },
    review: { initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } },
    done: { type: 'final' as const },
  },
};

test('placeNodes: fixed places win, containers grow to hold them, moved ends lose their route', async () => {
  const laid = await layoutGraph(statechartGraph({ machine }));
  assert.equal(placeNodes(laid, new Map()), laid, 'nothing fixed: the same object');
  const review = laid.nodes.find((n) => n.id === 'review')!;
  const placed = placeNodes(laid, new Map([['review.b', { x: review.width + 100, y: 10 }]]));
  const b = placed.nodes.find((n) => n.id === 'review.b')!;
  assert.deepEqual(b.position, { x: review.width + 100, y: 10 });
  const grown = placed.nodes.find((n) => n.id === 'review')!;
  assert.ok(grown.width >= review.width + 100 + b.width, 'the container holds its moved child');
  const inner = placed.edges.find((e) => e.source === 'review.a')!;
  assert.equal(inner.data?.route, undefined, 'the edge into the moved state is drawn anew');
  const outer = placed.edges.find((e) => e.source === 'open')!;
  assert.ok(laid.edges.find((e) => e.id === outer.id)!.data?.route);
  // review grew, so the edge into it from open is drawn anew too.
  assert.equal(outer.data?.route, undefined);
});

test('overlaps: siblings only, and only for the states given', async () => {
  const laid = await layoutGraph(statechartGraph({ machine }));
  assert.equal(overlaps(laid, new Set(laid.nodes.map((n) => n.id))), false, 'ELK overlaps nothing');
  const open = laid.nodes.find((n) => n.id === 'open')!;
  const onOpen = placeNodes(laid, new Map([['done', { ...open.position }]]));
  assert.equal(overlaps(onOpen, new Set(['done'])), true);
  assert.equal(overlaps(onOpen, new Set(['review'])), false);
});

test('dropTarget: the smallest box under the pointer that is not the dragged state or inside it', async () => {
  const laid = await layoutGraph(statechartGraph({ machine }));
  const boxes = absoluteBoxes(laid.nodes);
  const at = (id: string) => {
    const b = boxes.find((x) => x.id === id)!;
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  };
  assert.equal(dropTarget(boxes, 'open', at('review.a')), 'review.a');
  assert.equal(dropTarget(boxes, 'review', at('review.a')), '', 'never into itself');
  const review = boxes.find((x) => x.id === 'review')!;
  assert.equal(dropTarget(boxes, 'done', { x: review.x + 2, y: review.y + 2 }), 'review');
  assert.equal(dropTarget(boxes, 'done', { x: -500, y: -500 }), '');
});
