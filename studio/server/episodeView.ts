/**
 * What the replay and diff pages read on the server: an episode file of a registered run (only
 * through `runFolder` and `episodePath`), the environment that recorded it (by the bundle root in
 * its header: the studio's content store, else the catalog environment with that very root), its
 * server layout, and the other episodes of the same task in the run, for "Compare with…".
 * The record itself is checked in the browser (`parseEpisode`, `replayEpisode`): here its header
 * line is only peeked at, and a file whose header does not parse still comes back as text.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { ContentStore, PalestraError, resolveEpisodeEnv } from '@palestra/envs';
import type { GymSpec } from '@palestra/envs/core';
import type { LaidOutGraph } from '../app/canvas/layoutGraph.ts';
import type { StudioContext } from './context.ts';
import { episodePath, runEpisodeFiles, runFolder } from './runFiles.ts';
import { serverLayout } from './serverLayout.ts';

/** The environment of an episode, ready for the canvas and the browser's replay; or why there is none. */
export type EpisodeEnvironment =
  | {
      ok: true;
      name: string;
      root: string;
      /** Where it was found: the studio's content store, or the catalog (same root). */
      from: 'store' | 'catalog' | 'folder';
      spec: GymSpec;
      files: Record<string, string>;
      layout: LaidOutGraph | undefined;
    }
  | { ok: false; code: string; message: string; hint?: string };

/** The few header fields the pages show before (or without) parsing the record. */
export interface HeaderPeek {
  env: string;
  root: string | null;
  taskIndex: number;
  taskId: string;
  seed: number;
  agent: string;
}

export interface EpisodeFile {
  runId: string;
  /** The run's folder name, for the page's title and breadcrumbs. */
  runName: string;
  /** The episode's path inside the run folder. */
  path: string;
  /** The file's text (the JSONL record). */
  text: string;
  header: HeaderPeek | undefined;
}

export interface EpisodeView extends EpisodeFile {
  environment: EpisodeEnvironment;
  /** Other episodes of the run that played the same task (paths inside the run folder). */
  sameTask: string[];
}

/** At most this many bytes are read to find an episode's header line. */
const HEADER_LIMIT = 1024 * 1024;

/** The header line of a record, parsed loosely: only what a list needs. */
export function peekHeader(line: string): HeaderPeek | undefined {
  try {
    const h = JSON.parse(line) as Record<string, unknown>;
    const spec = (h.spec ?? {}) as Record<string, unknown>;
    if (h.kind !== 'header' || typeof spec.name !== 'string' || typeof h.taskIndex !== 'number')
      return undefined;
    return {
      env: spec.name,
      root: typeof spec.root === 'string' ? spec.root : null,
      taskIndex: h.taskIndex,
      taskId: typeof h.taskId === 'string' ? h.taskId : String(h.taskIndex),
      seed: typeof h.seed === 'number' ? h.seed : 0,
      agent: typeof h.agent === 'string' ? h.agent : '?',
    };
  } catch {
    return undefined;
  }
}

/** The first line of a file, read in chunks (a 1,000-step record is not read whole for its header). */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buffer = Buffer.alloc(64 * 1024);
    while (total < HEADER_LIMIT) {
      const n = readSync(fd, buffer, 0, buffer.length, total);
      if (n === 0) break;
      const nl = buffer.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        chunks.push(Buffer.from(buffer.subarray(0, nl)));
        break;
      }
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      total += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * An episode file of a registered run, or `undefined` when the run or the file is unknown (a path
 * that leaves the run folder is unknown too).
 *
 * @example
 * const file = await episodeFile(studioContext(context), params.id!, params['*']!);
 */
export async function episodeFile(
  studio: StudioContext,
  runId: string,
  path: string,
): Promise<EpisodeFile | undefined> {
  const found = await runFolder(studio, runId);
  if (!found?.exists) return undefined;
  const file = episodePath(found.dir, path);
  if (!file) return undefined;
  const text = readFileSync(file, 'utf8');
  const nl = text.indexOf('\n');
  return {
    runId,
    runName: found.dir.split(/[\\/]/).pop() ?? runId,
    path,
    text,
    header: peekHeader(nl < 0 ? text : text.slice(0, nl)),
  };
}

/**
 * The environment that recorded an episode (`resolveEpisodeEnv` over the studio's store: the
 * header's root from the store, else the catalog environment of that name when its root is the
 * same) with its layout, or the typed error that says why not (the page then shows the record
 * without a canvas).
 */
export async function episodeEnvironment(
  studio: StudioContext,
  header: HeaderPeek | undefined,
): Promise<EpisodeEnvironment> {
  if (!header)
    return {
      ok: false,
      code: 'RECORD_HEADER',
      message: 'the first line of the file is not an episode header',
      hint: 'the file is damaged: re-run the episode',
    };
  try {
    const store = new ContentStore(studio.storeDir);
    const found = await resolveEpisodeEnv(
      { spec: { name: header.env, version: '', root: header.root } },
      { store },
    );
    const { spec, files } = found.source;
    return {
      ok: true,
      name: spec.name,
      root: found.root,
      from: found.from === 'store' || found.from === 'catalog' ? found.from : 'folder',
      spec,
      files: files ?? {},
      layout: await serverLayout(found.root, spec),
    };
  } catch (e) {
    if (!(e instanceof PalestraError)) throw e;
    return { ok: false, code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  }
}

/**
 * Everything the replay page shows of one episode, or `undefined` for an unknown run or file.
 *
 * @example
 * const view = await episodeView(studioContext(context), params.id!, params['*'] ?? '');
 * if (!view) throw new Response('No such episode', { status: 404 });
 */
export async function episodeView(
  studio: StudioContext,
  runId: string,
  path: string,
): Promise<EpisodeView | undefined> {
  const file = await episodeFile(studio, runId, path);
  if (!file) return undefined;
  const found = (await runFolder(studio, runId))!;
  const sameTask: string[] = [];
  if (file.header)
    for (const other of runEpisodeFiles(found.dir)) {
      if (other === path) continue;
      const abs = episodePath(found.dir, other);
      const h = abs ? peekHeader(firstLine(abs)) : undefined;
      if (h && h.env === file.header.env && h.taskIndex === file.header.taskIndex) sameTask.push(other);
    }
  return { ...file, environment: await episodeEnvironment(studio, file.header), sameTask };
}
