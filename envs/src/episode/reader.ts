import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordError } from '../errors.ts';
import { parseEpisode } from './parseEpisode.ts';
import type { Episode } from './record.ts';

/** Reads and verifies an episode file (see `parseEpisode`). */
export function readEpisode(path: string): Episode {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw unreadable(path, e);
  }
  return parseEpisode(text, path);
}

/**
 * Why `path` could not be read, in words rather than an errno, and what to pass instead: a run
 * folder is the usual mistake, so its first episode file is named.
 */
function unreadable(path: string, e: unknown): RecordError {
  const errno = (e as { code?: unknown }).code;
  if (errno === 'EISDIR') {
    let first: string | undefined;
    try {
      first = readdirSync(path)
        .filter((f) => /^episode-.*\.jsonl$/.test(f))
        .sort()[0];
    } catch {
      // Only the hint needs the listing.
    }
    return new RecordError(
      'RECORD_UNREADABLE',
      `cannot read ${path}: it is a folder, and an episode file (.jsonl) is expected`,
      {
        hint: first
          ? `pass one episode of this run, e.g. ${join(path, first)}`
          : 'pass an episode file, e.g. runs/<name>/episode-000000.jsonl',
        cause: e,
      },
    );
  }
  if (errno === 'ENOENT')
    return new RecordError('RECORD_UNREADABLE', `cannot read ${path}: no such file`, {
      hint: 'check the path: palestra run and rollout write episode-NNNNNN.jsonl files into their --out folder',
      cause: e,
    });
  return new RecordError('RECORD_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
}
