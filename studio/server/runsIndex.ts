/**
 * Indexing run folders on start: every folder under `.palestra/runs/` with episode files is
 * registered in the database (its kind, and the environment root its first episode's header
 * names). Registering is idempotent, so indexing again changes nothing but newer summaries.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/**
 * Episode files as the CLI names them: `episode-000042.jsonl` (run), `episode-g000003-m01.jsonl`
 * (rollout groups), `task-000001-seed-000002.jsonl` (eval, under `a/` and `b/`).
 */
const EPISODE = /^(episode-(\d+|g\d+-m\d+)|task-\d+-seed-\d+)\.jsonl$/;
/** How deep below a run folder episode files are looked for (eval's `a/`, train's `steps/step-0001/`). */
const EPISODE_DEPTH = 2;

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

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return raw && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The episode files of a run folder, sorted: its own, else the first subfolder's that has some. */
export function episodeFiles(dir: string, depth = EPISODE_DEPTH): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const own = entries
    .filter((e) => e.isFile() && EPISODE.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
  if (own.length > 0 || depth === 0) return own;
  for (const sub of entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()) {
    const found = episodeFiles(join(dir, sub), depth - 1);
    if (found.length > 0) return found;
  }
  return [];
}

/** An eval report (`eval.json`) cut to what a run list shows: the whole report can be large. */
function evalDigest(report: Record<string, unknown>): Record<string, unknown> {
  const side = (s: unknown) => {
    const o = s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
    return { agent: o.agent, episodes: o.episodes };
  };
  const a = side(report.a);
  const b = report.b === undefined ? undefined : side(report.b);
  const episodes = [a, b].reduce((n, x) => n + (typeof x?.episodes === 'number' ? x.episodes : 0), 0);
  return { kind: 'eval', env: report.env, episodes, a, ...(b ? { b } : {}) };
}

/** A training run's state (`train.json`) cut to what a run list shows: the steps and the model. */
function trainDigest(state: Record<string, unknown>): Record<string, unknown> {
  const steps = Array.isArray(state.steps) ? state.steps.length : 0;
  const algo = typeof state.algo === 'string' ? state.algo : 'train';
  const model = typeof state.model === 'string' ? state.model : '?';
  return { kind: 'train', env: state.env, agent: `${algo} ${model}`, steps };
}

/** What indexing reads of one run folder, or why it is not one. */
export type RunFolderInfo =
  | { ok: true; kind: RunKind; envRoot: string; summary: Record<string, unknown> | null }
  | { ok: false; reason: string };

/**
 * Reads one run folder: its kind (the summary's `kind` when it names one; else `train` with a
 * `train.json`, `eval` with an `eval.json`, `rollout` with group files, `simulate` for the simulator's folders, `run`), the environment root its first episode's header
 * names (else the summary's `bundle`), and its summary.
 *
 * @example
 * await readRunFolder('.palestra/runs/rollout')   // { ok: true, kind: 'rollout', envRoot: '0x…', summary: {…} }
 */
export async function readRunFolder(dir: string): Promise<RunFolderInfo> {
  const episodes = episodeFiles(dir);
  if (episodes.length === 0) return { ok: false, reason: 'no episode file' };
  const report = readJson(join(dir, 'eval.json'));
  const train = readJson(join(dir, 'train.json'));
  const summary =
    readJson(join(dir, 'summary.json')) ??
    (train ? trainDigest(train) : report ? evalDigest(report) : undefined);
  let root: unknown;
  const line = await firstLine(episodes[0] as string);
  try {
    const header = JSON.parse(line ?? '') as { kind?: unknown; spec?: { root?: unknown } };
    if (header.kind === 'header') root = header.spec?.root;
  } catch {
    // A torn first line: fall back to the summary's bundle below.
  }
  if (typeof root !== 'string' || !root) root = summary?.bundle;
  if (typeof root !== 'string' || !root)
    return { ok: false, reason: 'no environment root in its first episode header' };
  const kind: RunKind = runKinds.includes(summary?.kind as RunKind)
    ? (summary?.kind as RunKind)
    : train
      ? 'train'
      : report
        ? 'eval'
        : /^episode-g/.test(basename(episodes[0] as string))
          ? 'rollout'
          : // The simulator's saved episodes (studio/server/saveEpisode.ts) have no summary.
            /^simulate-/.test(basename(dir))
            ? 'simulate'
            : 'run';
  return { ok: true, kind, envRoot: root, summary: summary ?? null };
}

/** How a folder is named in the database: relative to `cwd` when inside it, else absolute. */
export function runFolderName(dir: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : resolve(dir);
}

/**
 * Registers every run folder under `runsDir` that holds episode files (read by `readRunFolder`).
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
      const info = await readRunFolder(dir);
      if (!info.ok) {
        result.skipped.push({ folder, reason: info.reason });
        continue;
      }
      await repo.registerRun({ folder, kind: info.kind, envRoot: info.envRoot, summary: info.summary });
      result.registered.push(folder);
    } catch (e) {
      result.skipped.push({ folder, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

/** Why `registerRunFolder` refused a folder: the API's answer is `{ code, message }` with status 400. */
export type RegisterRunOutcome =
  | { ok: true; folder: string; kind: RunKind }
  | { ok: false; code: 'STUDIO_RUN_OUTSIDE' | 'STUDIO_RUN_NOT_A_RUN'; message: string };

/**
 * Registers one run folder now, with the same reading as indexing on start: what `POST /api/runs`
 * does when a CLI command has written a run while the studio runs. Only a folder inside `runsDir`
 * (the one the studio indexes) is taken.
 *
 * @example
 * await registerRunFolder(repo, '.palestra/runs', '/home/me/proj/.palestra/runs/rollout')
 */
export async function registerRunFolder(
  repo: StudioRepository,
  runsDir: string,
  folder: string,
  cwd: string = process.cwd(),
): Promise<RegisterRunOutcome> {
  // Real paths on both sides: a runs folder reached through a symbolic link is still the same one.
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
  const parent = real(resolve(runsDir));
  const dir = real(resolve(cwd, folder));
  const within = relative(parent, dir);
  if (!within || within.startsWith('..') || isAbsolute(within) || !existsSync(dir))
    return {
      ok: false,
      code: 'STUDIO_RUN_OUTSIDE',
      message: existsSync(dir)
        ? `${dir} is not a folder under the studio's runs folder ${parent}`
        : `${dir} does not exist`,
    };
  // The run folder is the runs folder's child that holds the path (a file or a subfolder named).
  const top = join(parent, within.split(sep)[0] as string);
  let info: RunFolderInfo;
  try {
    info = await readRunFolder(top);
  } catch (e) {
    info = { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (!info.ok) return { ok: false, code: 'STUDIO_RUN_NOT_A_RUN', message: `${top}: ${info.reason}` };
  const name = runFolderName(top, cwd);
  await repo.registerRun({ folder: name, kind: info.kind, envRoot: info.envRoot, summary: info.summary });
  return { ok: true, folder: name, kind: info.kind };
}
