/**
 * A version as a folder: `spec.json` (the validated spec, as its bundle holds it) and its code
 * files beside it, zipped (fflate) under one folder named after the environment. `palestra check`
 * on the unzipped folder reads the same spec and files, so it computes the same root.
 */
import { ContentStore } from '@palestra/envs';
import { strToU8, zipSync } from 'fflate';
import type { StudioContext } from '../context.ts';

/** A zip of a version, and the name of the folder it unzips to. */
export interface VersionZip {
  folder: string;
  bytes: Uint8Array;
}

/**
 * The zip of the bundle stored under `root`: `<folder>/spec.json` and `<folder>/<file>` for each
 * code file. A file name with a folder in it (the spec names `lib/x.js`) keeps its folder.
 *
 * @example
 * const { folder, bytes } = await versionZip(studio, root, 'refund-desk-3');
 */
export async function versionZip(
  studio: Pick<StudioContext, 'storeDir'>,
  root: string,
  folder: string,
): Promise<VersionZip> {
  const source = await new ContentStore(studio.storeDir).getSource(root);
  // A safe folder name: letters, digits, dot, dash and underscore only.
  const name = folder.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'environment';
  const entries: Record<string, Uint8Array> = {
    [`${name}/spec.json`]: strToU8(`${JSON.stringify(source.spec, null, 2)}\n`),
  };
  for (const [file, text] of Object.entries(source.files)) entries[`${name}/${file}`] = strToU8(text);
  // Fixed times: the same version zips to the same bytes.
  return { folder: name, bytes: zipSync(entries, { mtime: new Date('2020-01-01T00:00:00Z') }) };
}
