import { readEpisode } from '@palestra/envs';
import { episodeSource } from '@palestra/runtime';
import {
  data,
  Form,
  Link,
  type LoaderFunctionArgs,
  redirect,
  useActionData,
  useLoaderData,
} from 'react-router';
import { studioContext } from '../../server/context.ts';
import { cancelJob, getJob } from '../../server/jobs.ts';
import { episodePath, runFolder } from '../../server/runFiles.ts';
import { AgentFields } from '../agents/AgentFields.tsx';
import { type AgentKind, exampleScripts, intField, readAgentForm } from '../agents/rolloutJob.server.ts';
import { type JobView, useJobEvents } from '../agents/useJobEvents.ts';
import { BranchChart, type StepValueView } from '../branch/BranchChart.tsx';
import { BranchTable } from '../branch/BranchTable.tsx';
import { reportName, savedReport, startBranchJob } from '../branch/branchJob.server.ts';
import '../agents/agents.css';
import '../branch/branch.css';
import { CancelJob } from '../agents/CancelJob.tsx';

interface ReportView {
  agent: string;
  taskId: string;
  values: StepValueView[];
  advantages: { step: number; advantage: number }[];
  original: { length: number; success: boolean };
}
type BranchJob = JobView<{ done: number; total: number }, { report: ReportView; saved: string }>;

const splat = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The run, the episode (`params['*']`, a path inside the run folder) and the step, or a 404. */
async function target(params: LoaderFunctionArgs['params'], request: Request, context: unknown) {
  const studio = studioContext(context);
  const found = params.id === undefined ? undefined : await runFolder(studio, params.id);
  if (!found?.exists) throw new Response(`No run "${params.id}"`, { status: 404, statusText: 'Not Found' });
  const episode = params['*'] ?? '';
  const file = episodePath(found.dir, episode);
  if (!file)
    throw new Response(`No episode "${episode}" in this run`, { status: 404, statusText: 'Not Found' });
  const record = readEpisode(file);
  const raw = new URL(request.url).searchParams.get('step');
  const step = raw === null ? record.steps.length : Number(raw);
  if (!Number.isInteger(step) || step < 0 || step > record.steps.length)
    throw new Response(`Step ${raw} is not one of this episode's (0 to ${record.steps.length})`, {
      status: 404,
      statusText: 'Not Found',
    });
  return { studio, found, episode, file, record, step };
}

/** The run's agent as the form's default: `random`, or a script from examples/ when it was one. */
function defaultAgent(
  agent: unknown,
  scripts: string[],
): { kind: AgentKind; script?: string; note?: string } {
  // Summaries name the random agent with its seed (`random:0`).
  if (agent === undefined || (typeof agent === 'string' && /^random(:\d+)?$/.test(agent)))
    return { kind: 'random' };
  const script =
    typeof agent === 'string' && agent.startsWith('scripted:') ? agent.slice('scripted:'.length) : '';
  const match = script ? scripts.find((s) => script.endsWith(s)) : undefined;
  if (match) return { kind: 'scripted', script: match };
  return { kind: 'random', note: `The run was played by ${String(agent)}: choose the agent that plays on.` };
}

/**
 * `/runs/:id/branch/*?step=N`: resample an agent after every step of a recorded episode and show
 * the chance of success along its timeline, the branch step marked. The report is saved beside the
 * run (`branches/<episode>-step-<n>.json`), so coming back shows it without running again.
 */
export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { found, episode, record, step } = await target(params, request, context);
  let scripts: string[] = [];
  try {
    scripts = exampleScripts((await episodeSource(record)).spec);
  } catch {
    // An environment the runtime cannot find from the header: no scripts to offer.
  }
  const id = new URL(request.url).searchParams.get('job');
  const job = id ? getJob(id) : undefined;
  const mine =
    job?.kind === 'branch' &&
    job.meta?.runId === found.run.id &&
    job.meta?.episode === episode &&
    job.meta?.step === step
      ? (job as unknown as BranchJob)
      : undefined;
  const summary = found.run.summary as { agent?: unknown } | null;
  return {
    runId: found.run.id,
    episode,
    step,
    steps: record.steps.length,
    saved: reportName(episode, step),
    report: savedReport(found.dir, episode, step) as ReportView | undefined,
    job: mine,
    scripts,
    agent: defaultAgent(
      summary?.agent ?? (record.steps[0]?.turn as { agent?: unknown } | undefined)?.agent,
      scripts,
    ),
  };
}

export async function action({ params, request, context }: LoaderFunctionArgs) {
  const { found, episode, file, record, step } = await target(params, request, context);
  const form = await request.formData();
  const here = `/runs/${encodeURIComponent(found.run.id)}/branch/${splat(episode)}?step=${step}`;
  if (form.get('intent') === 'cancel') {
    const id = String(form.get('jobId') ?? '');
    cancelJob(id);
    return redirect(`${here}&job=${encodeURIComponent(id)}`);
  }
  let spec: Parameters<typeof readAgentForm>[1] | undefined;
  try {
    spec = (await episodeSource(record)).spec;
  } catch (e) {
    const err = e as { code?: string; message?: string; hint?: string };
    return data(
      {
        problem: { code: err.code ?? 'JOB_FAILED', message: err.message ?? String(e), hint: err.hint ?? '' },
      },
      { status: 400 },
    );
  }
  const agent = readAgentForm(form, spec);
  if ('code' in agent) return data({ problem: agent }, { status: 400 });
  const samples = intField(form, 'samples', 1, 1000, 8);
  if (typeof samples !== 'number') return data({ problem: samples }, { status: 400 });
  const seed = intField(form, 'seed', 0, 2 ** 31 - 1, 0);
  if (typeof seed !== 'number') return data({ problem: seed }, { status: 400 });
  // A typed key stays in this job's memory only (see rolloutJob.server.ts).
  const apiKey = String(form.get('apiKey') ?? '').trim() || undefined;
  const job = startBranchJob(
    { runId: found.run.id, runDir: found.dir, episode, episodeFile: file, step },
    { samples, seed, agent, ...(apiKey ? { apiKey } : {}) },
  );
  return redirect(`${here}&job=${encodeURIComponent(job.id)}`);
}

export function meta({ data }: { data?: { episode?: string; step?: number } }) {
  return [{ title: `Branch ${data?.episode ?? ''} at step ${data?.step ?? ''} · Palestra Studio` }];
}

export default function Branch() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { job, lost } = useJobEvents<BranchJob['progress'], BranchJob['result']>(page.job?.id, page.job);
  const report = (job?.status === 'done' ? job.result?.report : undefined) ?? page.report;
  const replay = `/runs/${encodeURIComponent(page.runId)}/episode/${splat(page.episode)}`;
  return (
    <article aria-labelledby="branch-title">
      <p>
        <Link to={replay}>← Replay of {page.episode}</Link>
      </p>
      <h1 id="branch-title">
        Branch {page.episode} at step {page.step}
      </h1>
      <p className="muted">
        An agent plays on from the exact state after every step of this {page.steps}-step episode (each step
        re-executed and verified); the share of continuations that succeed estimates the chance of success
        from there.
      </p>
      {result?.problem && (
        <div role="alert" className="job-error">
          <p>
            <code>{result.problem.code}</code> {result.problem.message}
          </p>
          {result.problem.hint && <p className="muted">{result.problem.hint}</p>}
        </div>
      )}
      {job && job.status !== 'done' && (
        <section className="job-panel" aria-labelledby="branch-job-title">
          <h2 id="branch-job-title">
            {job.label} <span className={`job-status job-${job.status}`}>{job.status}</span>
          </h2>
          <div className="job-bar">
            <label htmlFor="branch-progress">Continuations</label>
            <progress id="branch-progress" max={job.progress?.total || 1} value={job.progress?.done ?? 0} />
            <output aria-live="polite">
              {job.progress?.done ?? 0} / {job.progress?.total ?? '…'} continuations
            </output>
          </div>
          {job.status === 'running' && <CancelJob jobId={job.id} />}
          {job.status === 'cancelled' && (
            <p>Cancelled: a stopped branch writes no report. Start it again below.</p>
          )}
          {job.status === 'failed' && job.error && (
            <div role="alert" className="job-error">
              <p>
                <code>{job.error.code}</code> {job.error.message}
              </p>
              {job.error.hint && <p className="muted">{job.error.hint}</p>}
            </div>
          )}
          {lost && job.status === 'running' && (
            <p role="alert" className="error-text">
              The progress stream was lost (did the studio restart?): start the branch again.
            </p>
          )}
        </section>
      )}
      {report ? (
        <section aria-labelledby="report-title">
          <h2 id="report-title">Chance of success along the episode</h2>
          <p className="muted">
            Task {report.taskId} · continued by {report.agent} · the recorded episode{' '}
            {report.original.success ? 'succeeded' : 'did not succeed'} in {report.original.length} steps ·
            saved as <code>{page.saved}</code>
          </p>
          <BranchChart values={report.values} branchStep={page.step} />
          <BranchTable values={report.values} advantages={report.advantages} branchStep={page.step} />
        </section>
      ) : (
        !job && (
          <p className="notice">
            No branch report for this step yet: choose an agent and the samples, then Branch.
          </p>
        )
      )}
      <Form method="post" className="run-form" aria-labelledby="branch-form-title">
        <h2 id="branch-form-title">{report ? 'Branch again' : 'Branch'}</h2>
        {page.agent.note && <p className="notice">{page.agent.note}</p>}
        <AgentFields
          scripts={page.scripts}
          defaultKind={page.agent.kind}
          {...(page.agent.script ? { defaultScript: page.agent.script } : {})}
          withKey
        />
        <div className="run-numbers">
          <label>
            Samples per step
            <input name="samples" type="number" min={1} max={1000} defaultValue={8} required />
          </label>
          <label>
            Seed
            <input name="seed" type="number" min={0} defaultValue={0} required />
          </label>
        </div>
        <button type="submit" className="primary-button" disabled={job?.status === 'running'}>
          Branch
        </button>
      </Form>
    </article>
  );
}
