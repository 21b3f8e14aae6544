import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Position } from '@xyflow/react';
import { nodeHandles } from './nodeHandles.ts';

test('handles centred on the inner edge of the border, halfway down, the size given', () => {
  assert.deepEqual(nodeHandles({ width: 100, height: 40 }, 1, 10), [
    { type: 'target', position: Position.Left, x: -4, y: 15, width: 10, height: 10 },
    { type: 'source', position: Position.Right, x: 94, y: 15, width: 10, height: 10 },
  ]);
  // A final state's double border (3 px) moves both inwards; a container's height moves them down.
  const [target, source] = nodeHandles({ width: 120, height: 90 }, 3, 6);
  assert.deepEqual([target!.x, target!.y, source!.x, source!.y], [0, 42, 114, 42]);
});
