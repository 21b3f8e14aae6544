/**
 * A registered run's folder and its episode files, for the pages that read them (run, replay,
 * diff, branch). A page names an episode by its path inside the run folder, as the folder lists it
 * (`episode-000003.jsonl`, `a/task-000001-seed-000002.jsonl`, `steps/step-0002/episode-g000000-m01.jsonl`);
 * nothing outside the run folder is ever opened, whatever the URL says.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { StudioContext } from './context.ts';
import type { Run } from './db/index.ts';
import { episodeFiles } from './runsIndex.ts';

/** A registered run and its folder on disk. */
export interface RunFolder {
  run: Run;
  /** Absolute path of the run folder. */
  dir: string;
  /** Whether the folder is still there (a run deleted outside the studio keeps its row until re-indexed). */
  exists: boolean;
}

/**
 * The run with this id and its folder, or `undefined` for an unknown id.
 *
 * @example
 * const found = await runFolder(studioContext(context), params.id!);
 * if (!found) throw new Response('No such run', { status: 404 });
 */
export async function runFolder(studio: StudioContext, id: string): Promise<RunFolder | undefined> {
  const run = await studio.repo.getRun(id);
  if (!run) return undefined;
  // Registered folders are relative to the studio's working folder when inside it (runFolderName).
  const dir = resolve(run.folder);
  return { run, dir, exists: existsSync(dir) && statSync(dir).isDirectory() };
}

/**
 * The episode files of a run folder, as paths inside it with `/` separators, sorted: the folder's
 * own, else those of its first subfolder that has some (eval's `a/`, train's `steps/step-0001/`).
 */
export function runEpisodeFiles(dir: string): string[] {
  return episodeFiles(dir).map((file) => relative(dir, file).split(sep).join('/'));
}

/**
 * The absolute path of episode `name` inside run folder `dir`, or `undefined` when `name` leaves
 * the folder (`..`, an absolute path, a link pointing out) or is not a file.
 *
 * @example
 * episodePath('/home/me/.palestra/runs/rd', 'episode-000010.jsonl')   // '/home/me/.palestra/runs/rd/episode-000010.jsonl'
 * episodePath('/home/me/.palestra/runs/rd', '../other/x.jsonl')       // undefined
 */
export function episodePath(dir: string, name: string): string | undefined {
  if (!name || isAbsolute(name) || name.includes('\0') || !name.endsWith('.jsonl')) return undefined;
  const file = resolve(dir, name);
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  const inside = relative(realpathSync(dir), realpathSync(file));
  if (!inside || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return join(realpathSync(dir), inside);
}
