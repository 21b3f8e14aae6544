/**
 * Indexing run folders on start: every folder under `.palestra/runs/` with episode files is
 * registered in the database (its kind, and the environment root its first episode's header
 * names). Registering is idempotent, so indexing again changes nothing but newer summaries.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { StudioRepository } from './db/index.ts';
import { type RunKind, runKinds } from './db/schema.ts';

/** What one indexing pass did. */
export interface IndexResult {
  /** Folders registered (new or again), as stored. */
  registered: string[];
  /** Folders left out, with why (no episode file, no root in its header, unreadable). */
  skipped: Array<{ folder: string; reason: string }>;
}

const EPISODE = /^episode-\d+\.jsonl$/;

/** The first line of a file, read without loading the rest (an episode file can be large). */
async function firstLine(file: string): Promise<string | undefined> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}

function readSummary(dir: string): Record<string, unknown> | undefined {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    return raw && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** How a folder is named in the database: relative to `cwd` when inside it, else absolute. */
export function runFolderName(dir: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : resolve(dir);
}

/**
 * Registers every run folder under `runsDir` that holds episode files (`episode-N.jsonl`). The
 * kind comes from the summary's `kind` when it names one, else `run`; the environment root from
 * the first episode's header (`spec.root`), else the summary's `bundle`.
 *
 * @example
 * await indexRuns(repo, '.palestra/runs');   // { registered: ['.palestra/runs/demo'], skipped: [] }
 */
export async function indexRuns(
  repo: StudioRepository,
  runsDir: string,
  cwd: string = process.cwd(),
): Promise<IndexResult> {
  const result: IndexResult = { registered: [], skipped: [] };
  if (!existsSync(runsDir)) return result;
  const folders = readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of folders) {
    const dir = resolve(runsDir, name);
    const folder = runFolderName(dir, cwd);
    try {
      const episodes = readdirSync(dir)
        .filter((f) => EPISODE.test(f))
        .sort();
      if (episodes.length === 0) {
        result.skipped.push({ folder, reason: 'no episode file' });
        continue;
      }
      const summary = readSummary(dir);
      let root: unknown;
      const line = await firstLine(join(dir, episodes[0] as string));
      try {
        const header = JSON.parse(line ?? '') as { kind?: unknown; spec?: { root?: unknown } };
        if (header.kind === 'header') root = header.spec?.root;
      } catch {
        // A torn first line: fall back to the summary's bundle below.
      }
      if (typeof root !== 'string' || !root) root = summary?.bundle;
      if (typeof root !== 'string' || !root) {
        result.skipped.push({ folder, reason: 'no environment root in its first episode header' });
        continue;
      }
      const kind = runKinds.includes(summary?.kind as RunKind) ? (summary?.kind as RunKind) : 'run';
      await repo.registerRun({ folder, kind, envRoot: root, summary: summary ?? null });
      result.registered.push(folder);
    } catch (e) {
      result.skipped.push({ folder, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}
