/**
 * The Runs page's rows: every registered run (the CLI's included) with what its summary states,
 * plain and serialisable. Nothing here reads episode files: the list stays fast with many runs.
 */
import { basename } from 'node:path';
import type { StudioContext } from '../context.ts';
import type { Run } from '../db/index.ts';
import { runEnvironments } from './runEnvironment.ts';

/** One row of the Runs page. */
export interface RunListRow {
  id: string;
  /** The folder's own name. */
  name: string;
  /** The folder as registered. */
  folder: string;
  kind: string;
  /** The environment's name: the studio's, else the one the run's summary gives, else its root. */
  env: string;
  /** Where the environment's page is, when the run's environment resolves. */
  envRef: string | null;
  agent: string | null;
  /** ISO date the run was registered. */
  createdAt: string;
  episodes: number | null;
  returnMean: number | null;
  successRate: number | null;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

/** The agent a summary names (an eval names two, `a vs b`). */
function agentOf(summary: Record<string, unknown>): string | null {
  const side = (s: unknown) => str((s as { agent?: unknown } | undefined)?.agent);
  const a = side(summary.a);
  if (a) {
    const b = side(summary.b);
    return b ? `${a} vs ${b}` : a;
  }
  return str(summary.agent);
}

/**
 * Every registered run, the newest first; with `sees`, only the runs it allows (a member sees no
 * run of another workspace's environment: `Access.seesRun`).
 *
 * @example
 * const rows = await runListRows(studioContext(context), access.seesRun);
 */
export async function runListRows(
  studio: StudioContext,
  sees: (run: Run) => boolean = () => true,
): Promise<RunListRow[]> {
  const [runs, resolve] = await Promise.all([studio.repo.listRuns(), runEnvironments(studio)]);
  return runs.filter(sees).map((run: Run) => {
    const summary = run.summary ?? {};
    const env = resolve(run);
    return {
      id: run.id,
      name: basename(run.folder),
      folder: run.folder,
      kind: run.kind,
      env: env?.name ?? str(summary.env) ?? `${run.envRoot.slice(0, 10)}…`,
      envRef: env?.ref ?? null,
      agent: agentOf(summary),
      createdAt: run.createdAt.toISOString(),
      episodes: num(summary.episodes),
      returnMean: num(summary.returnMean),
      successRate: num(summary.successRate),
    };
  });
}
