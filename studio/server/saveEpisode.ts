/**
 * Saving an episode played in the simulator: the page posts the current timeline's record, and it
 * is kept only if it is a valid episode record of this very environment (it parses and its hash
 * chain holds, its header names this environment's bundle root, and replaying it here gives every
 * step bit for bit). Then it is written as `episode-000000.jsonl` in a new run folder, the layout
 * `palestra run` writes, and the run is registered in the database. A refused record writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Episode, PalestraError, parseEpisode, replay } from '@palestra/envs';
import type { StudioContext } from './context.ts';
import { environmentSource } from './environmentSource.ts';
import { runFolderName } from './runsIndex.ts';

/** The largest record the studio saves: 10 MB, as for imports. */
export const MAX_EPISODE_BYTES = 10 * 1024 * 1024;
/** Room for the JSON body's wrapping and escapes around a record of the largest size. */
export const MAX_EPISODE_BODY = 2 * MAX_EPISODE_BYTES;

/** The file a saved episode is written to, as `palestra run` names a series' first episode. */
export const EPISODE_FILE = 'episode-000000.jsonl';

/** Why a record was refused, as the page shows it: the typed error's code, message and hint. */
export interface SaveProblem {
  status: 400 | 404 | 413;
  code: string;
  message: string;
  hint?: string;
}

/** Where a saved episode went. */
export interface SavedEpisode {
  /** The run folder as the database names it (relative to the working directory when inside it). */
  folder: string;
  /** The episode file, named the same way. */
  file: string;
  /** The command that verifies it, run from the studio's working directory. */
  command: string;
  /** The run's id in the database. */
  runId: string;
  steps: number;
  /** Whether the record has its footer (the episode ended). */
  ended: boolean;
}

export type SaveOutcome = { ok: true; saved: SavedEpisode } | { ok: false; problem: SaveProblem };

export interface SaveEpisodeInput {
  /** The environment's `:ref` (a catalog name or a studio environment id). */
  ref: string;
  /** The record: the JSONL text `Simulator.record()` gives. */
  text: string;
  /** For tests: the clock and the short id in the folder name. */
  now?: Date;
  id?: string;
}

const refuse = (
  status: SaveProblem['status'],
  code: string,
  message: string,
  hint?: string,
): SaveOutcome => ({
  ok: false,
  problem: { status, code, message, ...(hint ? { hint } : {}) },
});

const tooLarge = (bytes: number) =>
  refuse(
    413,
    'INPUT_TOO_LARGE',
    `the episode record is too large to save (${(bytes / 1024 / 1024).toFixed(1)} MB): the limit is 10 MB`,
    'save a shorter timeline: step back, or reset and play fewer steps',
  );

/** A PalestraError as a problem; anything else is a bug and is thrown on. */
function problemOf(e: unknown): SaveOutcome {
  if (!(e instanceof PalestraError)) throw e;
  return refuse(400, e.code, e.message, e.hint);
}

/** `20261206T164131Z`: a UTC timestamp that sorts and is safe in a folder name. */
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** A name safe in a folder name: letters, digits, `_` and `-`. */
const slug = (name: string) =>
  name
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64) || 'env';

/** How many lines a parsed record accounts for: a record with more was not all read. */
const linesOf = (ep: Episode) =>
  1 + ep.steps.length + (ep.failure ? 1 : 0) + (ep.footer ? 1 : 0) + (ep.scores?.length ?? 0);

/**
 * Checks and saves a played episode of environment `ref`.
 *
 * @example
 * const out = await saveEpisode(studio, { ref: 'frozen-lake', text: sim.record().text });
 * if (out.ok) console.log(out.saved.command); // palestra replay .palestra/runs/simulate-frozen-lake-…/episode-000000.jsonl
 */
export async function saveEpisode(studio: StudioContext, input: SaveEpisodeInput): Promise<SaveOutcome> {
  const bytes = Buffer.byteLength(input.text, 'utf8');
  if (bytes > MAX_EPISODE_BYTES) return tooLarge(bytes);
  const env = await environmentSource(studio, input.ref);
  if (!env)
    return refuse(404, 'ENV_NOT_FOUND', `no environment named "${input.ref}"`, 'go back to the environments');
  let episode: Episode;
  try {
    episode = parseEpisode(input.text, 'the record');
  } catch (e) {
    return problemOf(e);
  }
  // parseEpisode reads a record cut short as a truncated one; the simulator never sends half a line.
  const lines = input.text.split('\n').filter((l) => l !== '').length;
  if (!input.text.endsWith('\n') || lines !== linesOf(episode))
    return refuse(
      400,
      'RECORD_CORRUPT',
      'the record stops inside a line: it was cut short or changed',
      'save again from the simulator',
    );
  const recorded = episode.header.spec.root;
  if (recorded?.toLowerCase() !== env.root)
    return refuse(
      400,
      'ENV_CHANGED',
      recorded
        ? `the record was played in another environment (bundle ${recorded.slice(0, 12)}…), not ${env.name} (bundle ${env.root.slice(0, 12)}…)`
        : `the record names no environment bundle, so it cannot be tied to ${env.name}`,
      'save episodes from the simulate page of the environment that played them',
    );
  try {
    await replay(env, episode);
  } catch (e) {
    return problemOf(e);
  }

  const dir = join(
    studio.runsDir,
    `simulate-${slug(env.name)}-${stamp(input.now ?? new Date())}-${input.id ?? randomUUID().slice(0, 8)}`,
  );
  await mkdir(dir, { recursive: true });
  const file = join(dir, EPISODE_FILE);
  // Written whole or not at all: the runs index never sees half a record.
  const temp = join(dir, `.${EPISODE_FILE}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    await writeFile(temp, input.text, { flag: 'wx' });
    await rename(temp, file);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const folder = runFolderName(dir);
  const run = await studio.repo.registerRun({
    folder,
    kind: 'simulate',
    envRoot: env.root,
    environmentId: env.kind === 'studio' ? env.ref : null,
  });
  const shown = runFolderName(file);
  return {
    ok: true,
    saved: {
      folder,
      file: shown,
      command: `palestra replay ${/^[\w./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`}`,
      runId: run.id,
      steps: episode.steps.length + (episode.failure ? 1 : 0),
      ended: episode.footer !== undefined,
    },
  };
}

/**
 * Saves what the simulate page posts: JSON `{ "text": record }`, or a form with the record in
 * `text`. A body declared over the limit is refused before it is read.
 */
export async function saveEpisodeFromRequest(
  request: Request,
  studio: StudioContext,
  ref: string,
): Promise<SaveOutcome> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_EPISODE_BODY) return tooLarge(declared);
  const type = request.headers.get('content-type') ?? '';
  let text: unknown;
  if (type.startsWith('application/json')) {
    try {
      text = ((await request.json()) as { text?: unknown } | null)?.text;
    } catch {
      return refuse(400, 'RECORD_CORRUPT', 'the request is not JSON', 'save again from the simulator');
    }
  } else text = (await request.formData()).get('text');
  if (typeof text !== 'string' || text === '')
    return refuse(400, 'RECORD_EMPTY', 'no episode record was sent', 'play a step or more, then save');
  return saveEpisode(studio, { ref, text });
}
