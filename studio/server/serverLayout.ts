/**
 * Statechart layouts computed on the server, for the pages to draw at once: in a browser each page
 * load runs elkjs cold (a 200-state machine took 2 s there, against 0.6 s in a warm process). One
 * worker thread lays out, so the server's own thread never waits for it, and the result is kept
 * by content root (a root names exact content: the same spec always lays out the same).
 * Any failure answers `undefined`, and the page lays the machine out itself.
 */
import { Worker } from 'node:worker_threads';
import { type GymSpec, parseSpec } from '@palestra/envs/core';
import type { LaidOutGraph } from '../app/canvas/layoutGraph.ts';
import { syntheticSpec } from '../app/canvas/syntheticSpec.ts';

/** Layouts kept, by root; the oldest is dropped past this many. */
const KEEP = 64;
/** A layout that takes longer is given up (the page lays it out) and its thread replaced. */
const BUDGET_MS = 30_000;

const layouts = new Map<string, Promise<LaidOutGraph | undefined>>();
let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, (laid: LaidOutGraph | undefined) => void>();

function layoutThread(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./layoutWorker.js', import.meta.url));
  w.unref(); // never what keeps a process alive
  w.on('message', (m: { id: number; ok: boolean; laid?: LaidOutGraph }) => {
    waiting.get(m.id)?.(m.ok ? m.laid : undefined);
    waiting.delete(m.id);
  });
  const reset = () => {
    if (worker === w) worker = undefined;
    for (const done of waiting.values()) done(undefined);
    waiting.clear();
  };
  w.on('error', reset);
  w.on('exit', reset);
  worker = w;
  return w;
}

function layInThread(machine: GymSpec['machine']): Promise<LaidOutGraph | undefined> {
  const w = layoutThread();
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve(undefined);
      void w.terminate(); // a stuck layout holds the thread: start a fresh one next time
    }, BUDGET_MS);
    waiting.set(id, (laid) => {
      clearTimeout(timer);
      resolve(laid);
    });
    w.postMessage({ id, machine });
  });
}

/**
 * The layout of `spec`'s machine, from the cache when `root` was laid out before.
 *
 * @example
 * const layout = await serverLayout(env.root, env.spec);   // undefined: the page lays it out
 */
export function serverLayout(
  root: string,
  spec: Pick<GymSpec, 'machine'>,
): Promise<LaidOutGraph | undefined> {
  const known = layouts.get(root);
  if (known) return known;
  const laid = layInThread(spec.machine);
  layouts.set(root, laid);
  void laid.then((l) => {
    if (l === undefined) layouts.delete(root); // not kept: try again next time
  });
  if (layouts.size > KEEP) layouts.delete(layouts.keys().next().value as string);
  return laid;
}

/**
 * Starts the layout thread and lays out a generated machine of `WARM_STATES` states, so that the
 * first page a person opens pays neither for loading the thread (a second or more on two cores)
 * nor for elkjs's code running cold: a first 200-state layout took 1.85 s in a fresh process,
 * 0.99 s after one of 120 states (the second and later ones 0.74–0.88 s; measured on 2 cores).
 * The warm-up itself takes about a second of the thread's time at start. Never fails.
 */
export function warmLayout(): void {
  void layInThread(parseSpec(syntheticSpec(WARM_STATES)).machine);
}

/** States of the warm-up machine: enough for elkjs's code paths of a large machine to be compiled. */
const WARM_STATES = 120;

/** Ends the layout thread (the next layout starts a fresh one); a closing studio calls it. */
export async function stopLayout(): Promise<void> {
  const w = worker;
  worker = undefined;
  await w?.terminate();
}
