/**
 * Deleting a run from the studio: its folder goes, and then its row, but only a folder inside
 * the studio's runs folder is ever removed. A run registered from elsewhere loses its row only,
 * and the answer says so, so nobody's files outside `.palestra/runs/` are touched by a click.
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { StudioContext } from '../context.ts';
import { runFolder } from '../runFiles.ts';
import { forgetRunDigests } from './runDigest.ts';

/** What deleting did. */
export type DeleteRunOutcome =
  | {
      ok: true;
      /** The run's folder as registered. */
      folder: string;
      /** The folder was removed from disk (false: outside the runs folder, or already gone). */
      folderRemoved: boolean;
      /** Why the folder stayed, when it did. */
      note: string | null;
    }
  | { ok: false; code: 'STUDIO_RUN_NOT_FOUND'; message: string };

/** Whether `dir` is strictly inside `parent`, links resolved on both sides. */
export function isInside(parent: string, dir: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  const within = relative(real(parent), real(dir));
  return within !== '' && !within.startsWith('..') && !isAbsolute(within);
}

/**
 * Deletes run `id`: its folder when inside `studio.runsDir`, then its row.
 *
 * @example
 * await deleteRun(studio, id)   // { ok: true, folder: '.palestra/runs/r1', folderRemoved: true, note: null }
 */
export async function deleteRun(studio: StudioContext, id: string): Promise<DeleteRunOutcome> {
  const found = await runFolder(studio, id);
  if (!found) return { ok: false, code: 'STUDIO_RUN_NOT_FOUND', message: `no run has the id ${id}` };
  let folderRemoved = false;
  let note: string | null = null;
  if (!found.exists) note = `its folder ${found.run.folder} was already gone`;
  else if (!isInside(studio.runsDir, found.dir))
    note = `its folder ${found.dir} is outside the studio's runs folder, so it was kept on disk`;
  else {
    // The folder first: a row without its folder is re-indexed by nothing, a folder without its row would be.
    rmSync(found.dir, { recursive: true, force: true });
    folderRemoved = true;
  }
  forgetRunDigests(found.dir);
  await studio.repo.deleteRun(id);
  return { ok: true, folder: found.run.folder, folderRemoved, note };
}
