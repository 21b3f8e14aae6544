/**
 * The branch page's server side: the report's place beside the run
 * (`<run folder>/branches/<episode>-step-<n>.json`), a saved report read back, and the runtime's
 * branch job started as a studio job (after every step of the episode, so the page can draw the
 * chance of success along the whole timeline).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BranchProgress, type BranchReport, branch } from '@palestra/runtime';
import { type JobState, startJob } from '../../server/jobs.ts';
import { type AgentOptions, agentName } from '../agents/rolloutJob.server.ts';

/** What the page shows of a finished branch job. */
export interface StudioBranchResult {
  report: BranchReport;
  /** The report's file, relative to the run folder. */
  saved: string;
}

export type StudioBranchJob = JobState<BranchProgress, StudioBranchResult>;

/** `branches/<episode path, / as __, no .jsonl>-step-<n>.json`, relative to the run folder. */
export function reportName(episode: string, step: number): string {
  return `branches/${episode.replace(/\.jsonl$/, '').replaceAll('/', '__')}-step-${step}.json`;
}

/** A saved report, or `undefined` when there is none or it is not a branch report. */
export function savedReport(runDir: string, episode: string, step: number): BranchReport | undefined {
  const file = join(runDir, reportName(episode, step));
  if (!existsSync(file)) return undefined;
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as BranchReport;
    return report?.v === 1 && Array.isArray(report.values) ? report : undefined;
  } catch {
    return undefined;
  }
}

/** The branch options the page's form gives. */
export interface BranchFormOptions {
  samples: number;
  seed: number;
  agent: AgentOptions;
  /** The agent's key, held in this job's memory only: never written, never in the job's state. */
  apiKey?: string;
}

/**
 * Starts the branch job: `samples` continuations after every step of `episodeFile`, the report
 * written to `<runDir>/branches/…`.
 */
export function startBranchJob(
  target: { runId: string; runDir: string; episode: string; episodeFile: string; step: number },
  options: BranchFormOptions,
): StudioBranchJob {
  const saved = reportName(target.episode, target.step);
  mkdirSync(join(target.runDir, 'branches'), { recursive: true });
  const agent = agentName(options.agent);
  return startJob<BranchProgress, StudioBranchResult>(
    'branch',
    `${target.episode} · step ${target.step} · ${options.samples} samples`,
    async (signal, emit) => {
      const r = await branch(
        {
          episode: target.episodeFile,
          all: true,
          samples: options.samples,
          seed: options.seed,
          agent,
          ...(options.agent.baseUrl ? { baseUrl: options.agent.baseUrl } : {}),
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
          out: join(target.runDir, saved),
        },
        { signal, onProgress: emit },
      );
      return { report: r.report, saved };
    },
    { runId: target.runId, episode: target.episode, step: target.step },
  );
}
