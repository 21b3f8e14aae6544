// The page of the browser end-to-end test (workerEnv.e2e.test.ts), bundled by esbuild for the
// browser: plays episodes with `@palestra/envs/core` in the page, and with `@palestra/envs/browser`
// in a Web Worker, and reports their roots to the test.

import { WorkerEnv } from '@palestra/envs/browser';
import {
  type Action,
  type AsyncEnvHandle,
  EpisodeChain,
  type EpisodeFooter,
  envSource,
  makeEnv,
  PalestraError,
  parseEpisode,
  replayEpisode,
} from '@palestra/envs/core';

interface RawSource {
  spec: unknown;
  files: Record<string, string>;
}

const workerEnv = (raw: RawSource) =>
  WorkerEnv.start(envSource(raw.spec, raw.files), {
    createWorker: () => new Worker('/worker.js', { type: 'module' }),
    wasm: new URL('/quickjs.wasm', location.href),
  });

/** Plays `actions` from `seed` until the episode ends; the footer if it ended, and the root. */
async function play(env: AsyncEnvHandle, seed: number, actions: Action[]) {
  const chain = new EpisodeChain();
  chain.header(
    { spec: { name: env.spec.name, version: env.spec.version, root: null }, seed, agent: 'e2e' },
    await env.reset({ seed }),
  );
  for (const action of actions) {
    chain.step(action, await env.step(action));
    if (chain.done) break;
  }
  const footer: EpisodeFooter | undefined = chain.done ? chain.footer() : undefined;
  return { root: chain.root, footer };
}

async function inPage(raw: RawSource, seed: number, actions: Action[]) {
  const env = await makeEnv(envSource(raw.spec, raw.files));
  try {
    return await play(env, seed, actions);
  } finally {
    env.close();
  }
}

async function inWorker(raw: RawSource, seed: number, actions: Action[]) {
  const env = await workerEnv(raw);
  try {
    return await play(env, seed, actions);
  } finally {
    env.close();
  }
}

/** Replays a record Node wrote (its JSONL text), in the page or in a Web Worker: the replayed root. */
async function replay(raw: RawSource, text: string, where: 'inPage' | 'inWorker') {
  const source = envSource(raw.spec, raw.files);
  const record = parseEpisode(text, 'node.jsonl');
  if (where === 'inPage') return (await replayEpisode(source, record)).root;
  const env = await workerEnv(raw);
  try {
    return (await replayEpisode(source, record, { env })).root;
  } finally {
    env.close();
  }
}

/** Steps into a hang no interrupt can end: how the step failed and when, then a recovered episode. */
async function hang(raw: RawSource) {
  const env = await workerEnv(raw);
  await env.reset({ seed: 0 });
  const t0 = performance.now();
  let error: { name: string; code?: string; message: string } | undefined;
  try {
    await env.step({ tool: 'hang' });
  } catch (e) {
    error = {
      name: (e as Error).name,
      message: (e as Error).message,
      ...(e instanceof PalestraError ? { code: e.code } : {}),
    };
  }
  const ms = performance.now() - t0;
  const aliveAfterHang = env.alive;
  let afterHang: string | undefined;
  try {
    await env.reset({ seed: 1 });
  } catch (e) {
    afterHang = e instanceof PalestraError ? e.code : String(e);
  }
  await env.recover();
  await env.reset({ seed: 1 });
  const safe = await env.step({ tool: 'safe' });
  env.close();
  return { error, ms, aliveAfterHang, afterHang, safe: { terminated: safe.terminated, reward: safe.reward } };
}

Object.assign(globalThis, { palestraE2E: { inPage, inWorker, replay, hang } });
