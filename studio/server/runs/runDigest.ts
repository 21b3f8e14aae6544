/**
 * What the run page shows of a run folder, computed on the server from its episode files: the
 * summary (returns, success rate with its 95% Wilson interval, lengths, invalid actions, failures
 * by fault, truncated and vetoed episodes, the overseer's components), the reward histogram, the
 * per-task table and the episode list (rows of numbers, no observations).
 *
 * A run of 1,000 episodes reads 1,000 files, so a digest is kept in memory per folder part and
 * computed again only when the folder changed (its file count or its newest modification time).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type RateInterval, wilson } from '../../app/stats/wilson.ts';
import { runEpisodeFiles } from '../runFiles.ts';
import { type EpisodeListRow, type EpisodeRow, type ListedEpisode, readEpisodeRow } from './episodeRow.ts';
import { type Bin, histogram } from './histogram.ts';

/** One task's row of the per-task table (complete, not failed episodes). */
export interface TaskRow {
  taskIndex: number;
  taskId: string;
  episodes: number;
  successRate: number;
  returnMean: number;
}

/** The run page's data for one part of a run folder. */
export interface RunDigest {
  /** The part of the folder read (`''` the folder itself, `b` an eval's side, `steps/step-0003`). */
  part: string;
  /** Episode files in the part. */
  files: number;
  /** Files that did not read or verify. */
  unreadable: number;
  /** Files without a footer: the episode was still being played, or the file was cut. */
  incomplete: number;
  /** Complete episodes that did not fail: what the means are over (as `summary.json`'s). */
  kept: number;
  returnMean: number;
  returnStd: number;
  returnMin: number;
  returnMax: number;
  success: RateInterval;
  length: { mean: number; max: number };
  invalidActions: number;
  failed: {
    total: number;
    agent: number;
    environment: number;
    codes: Array<{ code: string; count: number }>;
  };
  truncated: number;
  vetoed: number;
  /** Episodes the overseer scored. */
  scored: number;
  /** The overseer's components, mean per component over the scored episodes that carry it. */
  components: Array<{ name: string; mean: number; episodes: number }>;
  histogram: Bin[];
  perTask: TaskRow[];
  /** Every file's row, in file order (a run of 1,000 episodes sends about 200 kB). */
  episodes: ListedEpisode[];
  /** Milliseconds spent computing it (0 when it came from the cache). */
  ms: number;
}

/** Files read at once: enough to keep the disk busy, few enough not to hold 1,000 files in memory. */
const READ_AHEAD = 32;

/**
 * The parts of a run folder that hold episode files: `['']` when the folder has its own, else its
 * subfolders' (`a`, `b` of an eval; `steps/step-0001`, … of a training run), sorted. A page picks
 * one of these by name, so a URL never names a path that was not listed here.
 */
export function runParts(dir: string): string[] {
  const first = runEpisodeFiles(dir)[0];
  if (first === undefined) return [];
  if (!first.includes('/')) return [''];
  const parts: string[] = [];
  const subfolders = (d: string) =>
    readdirSync(d, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  for (const sub of subfolders(dir)) {
    const files = runEpisodeFiles(join(dir, sub));
    if (files.length === 0) continue;
    if (!files[0]?.includes('/')) parts.push(sub);
    else
      for (const inner of subfolders(join(dir, sub))) {
        const own = runEpisodeFiles(join(dir, sub, inner));
        if (own.length > 0 && !own[0]?.includes('/')) parts.push(`${sub}/${inner}`);
      }
  }
  return parts;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The digest of rows already read (pure: the tests and the cache share it). */
export function digestRows(part: string, rows: EpisodeListRow[]): Omit<RunDigest, 'ms'> {
  const readable = rows.filter((r): r is EpisodeRow => r.readable);
  const kept = readable.filter((r) => r.complete && r.fault === null);
  const returns = kept.map((r) => r.return);
  const returnMean = mean(returns);
  const codes = new Map<string, number>();
  for (const r of readable) if (r.error) codes.set(r.error, (codes.get(r.error) ?? 0) + 1);
  const components = new Map<string, number[]>();
  for (const r of readable)
    for (const c of r.components) {
      const values = components.get(c.name) ?? [];
      values.push(c.value);
      components.set(c.name, values);
    }
  const tasks = new Map<number, EpisodeRow[]>();
  for (const r of kept) {
    const eps = tasks.get(r.taskIndex) ?? [];
    eps.push(r);
    tasks.set(r.taskIndex, eps);
  }
  return {
    part,
    files: rows.length,
    unreadable: rows.length - readable.length,
    incomplete: readable.filter((r) => !r.complete).length,
    kept: kept.length,
    returnMean,
    returnStd: Math.sqrt(mean(returns.map((x) => (x - returnMean) ** 2))),
    returnMin: returns.length ? Math.min(...returns) : 0,
    returnMax: returns.length ? Math.max(...returns) : 0,
    success: wilson(kept.filter((r) => r.success).length, kept.length),
    length: { mean: mean(kept.map((r) => r.length)), max: Math.max(0, ...kept.map((r) => r.length)) },
    invalidActions: kept.reduce((n, r) => n + r.invalidActions, 0),
    failed: {
      total: readable.filter((r) => r.fault !== null).length,
      agent: readable.filter((r) => r.fault === 'agent').length,
      environment: readable.filter((r) => r.fault === 'environment').length,
      codes: [...codes].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count),
    },
    truncated: readable.filter((r) => r.truncated).length,
    vetoed: readable.filter((r) => r.vetoed).length,
    scored: readable.filter((r) => r.score !== null).length,
    components: [...components]
      .map(([name, values]) => ({ name, mean: mean(values), episodes: values.length }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    histogram: histogram(returns),
    perTask: [...tasks]
      .sort((a, b) => a[0] - b[0])
      .map(([taskIndex, eps]) => ({
        taskIndex,
        taskId: (eps[0] as EpisodeRow).taskId,
        episodes: eps.length,
        successRate: eps.filter((r) => r.success).length / eps.length,
        returnMean: mean(eps.map((r) => r.return)),
      })),
    episodes: rows.map((r) => {
      if (!r.readable) return r;
      const { components: _, ...listed } = r;
      return listed;
    }),
  };
}

/** What a cached digest was computed from: a folder that changed has another key. */
function folderState(files: string[]): string {
  let newest = 0;
  for (const f of files) {
    try {
      newest = Math.max(newest, statSync(f).mtimeMs);
    } catch {
      newest = Number.NaN; // A file went away while we looked: never a cache hit.
    }
  }
  return `${files.length}:${newest}`;
}

const cache = new Map<string, { state: string; digest: RunDigest }>();
/** Digests kept: each holds a list of rows, so a studio browsing many runs does not grow forever. */
const CACHE_SIZE = 16;

/**
 * The digest of part `part` (one of `runParts(dir)`) of run folder `dir`, from the cache when the
 * folder has not changed since.
 *
 * @example
 * const digest = await runDigest('/home/me/.palestra/runs/rollout', '');
 * digest.success   // { k: 3, n: 16, rate: 0.1875, low: 0.066, high: 0.43, level: 0.95 }
 */
export async function runDigest(dir: string, part: string): Promise<RunDigest> {
  const base = part ? join(dir, part) : dir;
  const names = runEpisodeFiles(base).map((f) => (part ? `${part}/${f}` : f));
  const files = names.map((n) => join(dir, n));
  const key = `${dir}\0${part}`;
  const state = folderState(files);
  const hit = cache.get(key);
  if (hit && hit.state === state) return { ...hit.digest, ms: 0 };
  const started = performance.now();
  const rows: EpisodeListRow[] = new Array(files.length);
  for (let i = 0; i < files.length; i += READ_AHEAD) {
    const batch = files.slice(i, i + READ_AHEAD);
    const read = await Promise.all(batch.map((f, j) => readEpisodeRow(f, names[i + j] as string)));
    read.forEach((row, j) => {
      rows[i + j] = row;
    });
  }
  const digest: RunDigest = { ...digestRows(part, rows), ms: performance.now() - started };
  cache.delete(key);
  cache.set(key, { state, digest });
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return digest;
}

/** Forgets every cached digest of run folder `dir` (after it was deleted). */
export function forgetRunDigests(dir: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${dir}\0`)) cache.delete(key);
}
