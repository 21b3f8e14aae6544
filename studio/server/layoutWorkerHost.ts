// The studio's layout thread: lays statecharts out with elkjs, one request after another, and
// stays up so that its JIT stays warm (a cold elkjs takes 3-4 times as long as a warm one).
import { parentPort } from 'node:worker_threads';
import type { GymSpec } from '@palestra/envs/core';
import { layoutGraph } from '../app/canvas/layoutGraph.ts';
import { statechartGraph } from '../app/canvas/statechartGraph.ts';

parentPort!.on('message', async ({ id, machine }: { id: number; machine: GymSpec['machine'] }) => {
  try {
    parentPort!.postMessage({ id, ok: true, laid: await layoutGraph(statechartGraph({ machine })) });
  } catch (e) {
    parentPort!.postMessage({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
