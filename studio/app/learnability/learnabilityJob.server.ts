/**
 * The learnability page's server side: the form read and checked, the runtime's `learnability` job
 * started as a studio job (progress streamed by `/jobs/:id/events`), and the latest report of each
 * environment kept in memory by content root, so a page that comes back shows it at once. A
 * restarted studio forgets them (the analysis takes seconds: run it again).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LearnabilityProgress, type LearnabilityReport, learnability } from '@palestra/runtime';
import type { LoadedEnvironment } from '../../server/environmentSource.ts';
import { getJob, type JobState, startJob } from '../../server/jobs.ts';
import { exampleScripts } from '../agents/rolloutJob.server.ts';

/** The repository's root (where `examples/` is), found from the runtime package as the run-agents page does. */
const REPO = resolve(dirname(fileURLToPath(import.meta.resolve('@palestra/runtime'))), '..', '..');

/** What the form sets: the CLI's flags of the same names (`--groups`, `--group`, `--seed`, `--scripted`). */
export interface LearnabilityFormOptions {
  groups: number;
  group: number;
  seed: number;
  /** A script under `examples/` (as `exampleScripts` lists it), or none. */
  scripted?: string;
}

/** The CLI's defaults (`palestra learnability <env>`). */
export const LEARNABILITY_DEFAULTS: LearnabilityFormOptions = { groups: 16, group: 4, seed: 0 };

/** Where an analysis stands, as the page shows it: one event per agent start or episode, merged. */
export interface LearnabilityPageProgress {
  agent: string;
  /** 1-based position of the agent, of `agents`. */
  index: number;
  agents: number;
  done: number;
  failed: number;
  total: number;
}

export type LearnabilityJob = JobState<LearnabilityPageProgress, LearnabilityReport>;

/** The latest analysis of one environment root. */
export interface LearnabilityEntry {
  jobId: string;
  options: LearnabilityFormOptions;
  /** The finished report, once there is one (kept when the job itself is forgotten). */
  report?: LearnabilityReport;
  finishedAt?: number;
}

const byRoot = new Map<string, LearnabilityEntry>();

/** A form field out of range or unknown, as the page shows it. */
export interface LearnabilityFormProblem {
  field: string;
  message: string;
}

const int = (form: FormData, name: string, min: number, max: number, fallback: number) => {
  const raw = String(form.get(name) ?? '').trim();
  if (raw === '') return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};

/**
 * The form's options, checked: groups 1…256, group 1…32, seed ≥ 0, and a scripted baseline only
 * among the scripts the page offered for this environment (never a path from the request).
 */
export function readLearnabilityForm(
  form: FormData,
  env: LoadedEnvironment,
): LearnabilityFormOptions | LearnabilityFormProblem {
  const groups = int(form, 'groups', 1, 256, LEARNABILITY_DEFAULTS.groups);
  if (groups === undefined)
    return { field: 'groups', message: 'groups per agent: a whole number from 1 to 256' };
  const group = int(form, 'group', 1, 32, LEARNABILITY_DEFAULTS.group);
  if (group === undefined)
    return { field: 'group', message: 'episodes per group: a whole number from 1 to 32' };
  const seed = int(form, 'seed', 0, 2 ** 31 - 1, LEARNABILITY_DEFAULTS.seed);
  if (seed === undefined) return { field: 'seed', message: 'seed: a whole number, 0 or more' };
  const scripted = String(form.get('scripted') ?? '');
  if (scripted && !exampleScripts(env.spec).includes(scripted))
    return { field: 'scripted', message: `"${scripted}" is not a script this environment can play` };
  return { groups, group, seed, ...(scripted ? { scripted } : {}) };
}

/** The scripts the form offers as a scripted baseline. */
export function learnabilityScripts(env: LoadedEnvironment): string[] {
  return exampleScripts(env.spec);
}

/** The latest analysis of this root, with its job's state while it runs. */
export function learnabilityEntry(
  root: string,
): (LearnabilityEntry & { job: LearnabilityJob | undefined }) | undefined {
  const entry = byRoot.get(root);
  if (!entry) return undefined;
  return { ...entry, job: getJob<LearnabilityPageProgress, LearnabilityReport>(entry.jobId) };
}

/**
 * Starts the analysis of `env` as a studio job, or returns the one already running for its root.
 *
 * @example
 * const job = startLearnabilityJob(env, LEARNABILITY_DEFAULTS); // then watch /jobs/<job.id>/events
 */
export function startLearnabilityJob(
  env: LoadedEnvironment,
  options: LearnabilityFormOptions,
): LearnabilityJob {
  const running = learnabilityEntry(env.root)?.job;
  if (running?.status === 'running') return running;
  const label = `${env.name} · learnability · ${options.groups} groups × ${options.group}`;
  const job = startJob<LearnabilityPageProgress, LearnabilityReport>(
    'learnability',
    label,
    async (signal, emit) => {
      let agent = { agent: '', index: 0, agents: 0 };
      const onProgress = (e: LearnabilityProgress) => {
        if (e.kind === 'agent') {
          agent = { agent: e.name, index: e.index + 1, agents: e.agents };
          emit({ ...agent, done: 0, failed: 0, total: 0 });
        } else emit({ ...agent, done: e.done, failed: e.failed, total: e.total });
      };
      try {
        const report = await learnability(
          {
            env: { spec: env.spec, files: env.files },
            groups: options.groups,
            group: options.group,
            seed: options.seed,
            ...(options.scripted ? { scripted: join(REPO, options.scripted) } : {}),
          },
          { signal, onProgress },
        );
        const entry = byRoot.get(env.root);
        if (entry?.jobId === job.id) Object.assign(entry, { report, finishedAt: Date.now() });
        return report;
      } catch (e) {
        const entry = byRoot.get(env.root);
        // A failed run leaves the previous report in place, with the error beside it.
        if (entry?.jobId === job.id) entry.finishedAt = Date.now();
        throw e;
      }
    },
    { root: env.root, options },
  );
  const previous = byRoot.get(env.root);
  byRoot.set(env.root, {
    jobId: job.id,
    options,
    ...(previous?.report ? { report: previous.report } : {}),
  });
  return job;
}
