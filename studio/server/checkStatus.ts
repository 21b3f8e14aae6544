/**
 * The checker's report for an environment page and the environments list. The page runs the quick
 * check: `checkEnv` in this process with `crossHost: false`, because the cross-host check spawns a
 * second process per environment (seconds, and a process per page view); `palestra check` still runs
 * it. A report is cached by the environment's content root: a root names exact content, so a cached
 * report never goes stale. The cache is a JSON file per root under `.palestra/studio/checks/`
 * (beside the store), with the parsed report kept in memory while the file is unchanged.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvSource } from '@palestra/envs/core';
import { type CheckReport, checkEnv, checkRoot } from '@palestra/envs/node';
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
  const run = (async () => {
    const report = await checkEnv(env, { crossHost: false });
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
  } finally {
    running.delete(file);
  }
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
