/**
 * The checker's report for an environment page and the environments list. The page runs the quick
 * check: `checkEnv` with `crossHost: false`, in a worker thread with a wall-clock budget (the check
 * runs the environment's code: a loop in native code that no step deadline can interrupt would
 * otherwise stop the whole server, and a check takes seconds of CPU the server's other requests
 * need), because the cross-host check spawns a
 * second process per environment (seconds, and a process per page view); `palestra check` still runs
 * it. A report is cached by the environment's content root: a root names exact content, so a cached
 * report never goes stale. The cache is a JSON file per root under `.palestra/studio/checks/`
 * (beside the store), with the parsed report kept in memory while the file is unchanged.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvSource } from '@palestra/envs/core';
import { type CheckReport, checkRoot } from '@palestra/envs/node';
import { PalestraError } from '@palestra/errors';
import { checkInWorker as runtimeCheckInWorker } from '@palestra/runtime';
import type { StudioContext } from './context.ts';

/** Bumped when the stored shape changes; a file of another version is checked again. */
const CACHE_VERSION = 1;

/** What a cache file holds. */
interface CachedCheck {
  version: typeof CACHE_VERSION;
  root: string;
  report: CheckReport;
}

/** Reports read from files, by path, with the file's mtime when read. */
const memory = new Map<string, { mtimeMs: number; report: CheckReport }>();
/** Checks that failed or timed out in this process, by path: said again, not run again. */
const failed = new Map<string, unknown>();
/** Checks under way, by path: two requests for one root run the checker once. */
const running = new Map<string, Promise<CheckReport>>();

/** The folder of cached reports: `<store>/../studio/checks`, i.e. `.palestra/studio/checks`. */
export function checksDir(studio: Pick<StudioContext, 'storeDir'>): string {
  return join(studio.storeDir, '..', 'studio', 'checks');
}

/**
 * The quick check of `env` (no cross-host replay), from the cache when its root was checked before.
 *
 * @example
 * const report = await checkReport(studioContext(context), env);
 * report.findings.filter((f) => f.level !== 'ok');
 */
export async function checkReport(
  studio: Pick<StudioContext, 'storeDir'>,
  env: EnvSource & { root: string },
): Promise<CheckReport> {
  // 64 hex digits or BAD_ROOT: the root becomes a file name only once it is known to be one.
  const root = checkRoot(env.root);
  const file = join(checksDir(studio), `${root}.json`);
  const cached = await readCached(file, root);
  if (cached) return cached;
  const pending = running.get(file);
  if (pending) return pending;
  const failure = failed.get(file);
  if (failure) throw failure;
  const run = (async () => {
    const report = await checkInWorker(env);
    await mkdir(checksDir(studio), { recursive: true });
    const body: CachedCheck = { version: CACHE_VERSION, root, report };
    // Written aside and renamed: a reader never sees half a file.
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(body));
    await rename(temp, file);
    return report;
  })();
  running.set(file, run);
  try {
    return await run;
  } catch (e) {
    // Not cached on disk (a timeout may be the machine's load), but not run again by this server
    // either: a check that hangs would hold a thread for its whole budget at every page view.
    if ((e as { code?: string }).code !== 'STUDIO_CLOSED') failed.set(file, e);
    throw e;
  } finally {
    running.delete(file);
  }
}

/** Where a page's check stands: its report, why it could not run, or still running. */
export type CheckState =
  | { state: 'done'; report: CheckReport }
  | { state: 'failed'; code: string; message: string; hint?: string }
  | { state: 'pending' };

/**
 * The check of `env` as it stands, without waiting for it: a page shows a cached report at once,
 * and for one not run yet it polls `/env/:ref/check`, which starts the check (`start`; a first
 * check takes seconds, and a page must not hold its response for it). Page loaders pass
 * `start: false`: a check starts when a browser asks for it, not for every fetch of a page.
 *
 * @example
 * const s = await checkState(studio, env);   // { state: 'pending' } the first time, then 'done'
 */
export async function checkState(
  studio: Pick<StudioContext, 'storeDir'>,
  env: EnvSource & { root: string },
  { start = true }: { start?: boolean } = {},
): Promise<CheckState> {
  const root = checkRoot(env.root);
  const file = join(checksDir(studio), `${root}.json`);
  const cached = await readCached(file, root);
  if (cached) return { state: 'done', report: cached };
  const failure = failed.get(file) as { code?: string; message?: string; hint?: string } | undefined;
  if (failure)
    return {
      state: 'failed',
      code: failure.code ?? 'CHECK_FAILED',
      message: failure.message ?? String(failure),
      ...(failure.hint !== undefined && { hint: failure.hint }),
    };
  // Started here, answered by a later poll (its failure is kept in `failed`).
  if (start && !running.has(file)) checkReport(studio, env).catch(() => {});
  return { state: 'pending' };
}

/** How long one check may take before its thread is ended. refund-desk checks in about 2 s. */
export const CHECK_BUDGET_MS = 30_000;

/**
 * Runs the quick check in a worker thread (the runtime's `checkInWorker`) and ends the thread after
 * `budgetMs`. A check that fails or times out rejects with a `PalestraError` (never a report that
 * looks like a pass).
 */
export function checkInWorker(source: EnvSource, budgetMs = CHECK_BUDGET_MS): Promise<CheckReport> {
  // One check thread at a time: a home page asks for every environment at once, and several
  // threads loading the checker together on two cores finish later than one after the other.
  const queuedIn = generation;
  const turn = checkQueue.then(() => {
    if (queuedIn !== generation)
      throw new PalestraError('STUDIO_CLOSED', 'the studio closed before this check ran');
    return runtimeCheckInWorker(source, { crossHost: false, budgetMs, signal: stopping.signal });
  });
  checkQueue = turn.catch(() => {});
  return turn;
}

let checkQueue: Promise<unknown> = Promise.resolve();
/** Aborted by `stopChecks`: ends the check thread running now. */
let stopping = new AbortController();
/** Bumped by `stopChecks`: checks queued before it do not start. */
let generation = 0;

/**
 * Ends the check thread running and drops the queued checks (a closing studio calls it: a check
 * thread would keep the process alive until its check ends). Their callers get `STUDIO_CLOSED`,
 * which is not remembered as a failure of the environment.
 */
export async function stopChecks(): Promise<void> {
  generation++;
  const stopped = stopping;
  stopping = new AbortController();
  stopped.abort(new PalestraError('STUDIO_CLOSED', 'the studio closed while this check ran'));
  // The queue's last turn settles once the running thread has ended (checkInWorker awaits it).
  await checkQueue;
}

/** The counts the environments list shows next to a name. */
export interface CheckSummary {
  /** No error: what `palestra check` calls passed. */
  ok: boolean;
  /** Errors, checks that could not run included. */
  failed: number;
  warnings: number;
}

/**
 * A report in three numbers.
 *
 * @example
 * checkSummary(await checkReport(studio, env)) // { ok: true, failed: 0, warnings: 1 }
 */
export function checkSummary(report: Pick<CheckReport, 'findings'>): CheckSummary {
  const failed = report.findings.filter((f) => f.level === 'error').length;
  const warnings = report.findings.filter((f) => f.level === 'warning').length;
  return { ok: failed === 0, failed, warnings };
}

/** The cached report of `root`, or undefined when there is none or the file is not one of ours. */
async function readCached(file: string, root: string): Promise<CheckReport | undefined> {
  let mtimeMs: number;
  try {
    ({ mtimeMs } = await stat(file));
  } catch {
    return undefined;
  }
  const known = memory.get(file);
  if (known && known.mtimeMs === mtimeMs) return known.report;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isCachedCheck(parsed, root)) return undefined;
  memory.set(file, { mtimeMs, report: parsed.report });
  return parsed.report;
}

/**
 * The shape of a cache file, checked at the boundary: a file from another version, or edited by
 * hand into something else, is checked again and overwritten rather than trusted.
 */
function isCachedCheck(x: unknown, root: string): x is CachedCheck {
  if (!isObject(x) || x.version !== CACHE_VERSION || x.root !== root || !isObject(x.report)) return false;
  const r = x.report;
  return (
    typeof r.env === 'string' &&
    typeof r.ok === 'boolean' &&
    isObject(r.stats) &&
    Array.isArray(r.findings) &&
    r.findings.every(
      (f) =>
        isObject(f) &&
        (f.level === 'error' || f.level === 'warning' || f.level === 'ok') &&
        typeof f.check === 'string' &&
        typeof f.message === 'string' &&
        typeof f.ran === 'boolean' &&
        (f.targets === undefined || isObject(f.targets)),
    )
  );
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
