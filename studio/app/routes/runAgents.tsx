import {
  data,
  Link,
  type LoaderFunctionArgs,
  redirect,
  useActionData,
  useLoaderData,
  useNavigation,
} from 'react-router';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';
import { cancelJob, getJob } from '../../server/jobs.ts';
import {
  RolloutJobView,
  type RolloutProgressView,
  type RolloutResultView,
} from '../agents/RolloutJobView.tsx';
import { RunAgentsForm } from '../agents/RunAgentsForm.tsx';
import {
  exampleScripts,
  type FormProblem,
  newRunFolder,
  overseerConfigs,
  type RunAgentsOptions,
  readRunForm,
  startRolloutJob,
} from '../agents/rolloutJob.server.ts';
import { type JobView, useJobEvents } from '../agents/useJobEvents.ts';
import '../agents/agents.css';

type RolloutJob = JobView<RolloutProgressView, RolloutResultView>;

async function loadEnv(context: unknown, name: string | undefined) {
  const studio = studioContext(context);
  const env = name === undefined ? undefined : await environmentSource(studio, name);
  if (!env) throw new Response(`No environment named "${name}"`, { status: 404, statusText: 'Not Found' });
  return { studio, env };
}

/** This environment's rollout job named by `?job=`, if the studio still knows it. */
function rolloutJob(id: string | null, ref: string): RolloutJob | undefined {
  const job = id ? getJob(id) : undefined;
  return job && job.kind === 'rollout' && job.meta?.env === ref ? (job as RolloutJob) : undefined;
}

/**
 * `/env/:name/run`: run agents on an environment. The form starts a rollout job into a new run
 * folder under the studio's runs folder; the page then follows it (`?job=<id>`) through the job's
 * event stream. Actions: `start`, `cancel` (the job stops at a safe point, its folder resumable),
 * `resume` (a cancelled job's options again, into its folder).
 */
export async function loader({ params, context, request }: LoaderFunctionArgs) {
  const { env } = await loadEnv(context, params.name);
  const job = rolloutJob(new URL(request.url).searchParams.get('job'), env.ref);
  return {
    ref: env.ref,
    name: env.name,
    scripts: exampleScripts(env.spec),
    overseers: overseerConfigs(),
    job,
    jobMissing: new URL(request.url).searchParams.has('job') && !job,
  };
}

export async function action({ params, context, request }: LoaderFunctionArgs) {
  const { studio, env } = await loadEnv(context, params.name);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? 'start');
  const here = `/env/${encodeURIComponent(env.ref)}/run`;
  const key = String(form.get('apiKey') ?? '').trim() || undefined;
  if (intent === 'cancel') {
    const id = String(form.get('jobId') ?? '');
    cancelJob(id);
    return redirect(`${here}?job=${encodeURIComponent(id)}`);
  }
  if (intent === 'resume') {
    const old = rolloutJob(String(form.get('jobId') ?? ''), env.ref);
    const folder = old?.meta?.folder;
    const options = old?.meta?.options as RunAgentsOptions | undefined;
    if (!old || old.status === 'running' || typeof folder !== 'string' || !options)
      return data(
        {
          problem: {
            code: 'STUDIO_BAD_REQUEST',
            message: 'that run cannot be resumed from here',
            hint: 'the studio forgets its jobs when it restarts: start the same run again',
          } satisfies FormProblem,
        },
        { status: 400 },
      );
    const job = startRolloutJob(studio, env, options, folder, key);
    return redirect(`${here}?job=${encodeURIComponent(job.id)}`);
  }
  const options = readRunForm(form, env.spec);
  if ('code' in options) return data({ problem: options }, { status: 400 });
  const job = startRolloutJob(studio, env, options, newRunFolder(studio.runsDir, env.name), key);
  return redirect(`${here}?job=${encodeURIComponent(job.id)}`);
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `Run agents on ${data?.name ?? 'an environment'} · Palestra Studio` }];
}

export default function RunAgents() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const { job, lost } = useJobEvents<RolloutProgressView, RolloutResultView>(page.job?.id, page.job);
  const options = job?.meta?.options as RunAgentsOptions | undefined;
  const needsKey = options?.agentKind === 'openai' || options?.agentKind === 'anthropic';
  return (
    <article aria-labelledby="run-title">
      <p>
        <Link to={`/env/${encodeURIComponent(page.ref)}`}>← {page.name}</Link>
      </p>
      <h1 id="run-title">Run agents on {page.name}</h1>
      <p className="muted">
        Episodes are played by the runtime's rollout job in a new folder under the runs folder, scored by the
        overseer, and listed under <Link to="/runs">Runs</Link>. A cancelled run keeps its episodes and can be
        resumed.
      </p>
      {result?.problem && (
        <div role="alert" className="job-error">
          <p>
            <code>{result.problem.code}</code> {result.problem.message}
          </p>
          <p className="muted">{result.problem.hint}</p>
        </div>
      )}
      {page.jobMissing && (
        <p className="notice">
          This job is no longer known (the studio restarted, or it ended long ago): its run stays under{' '}
          <Link to="/runs">Runs</Link>, and the same run started again resumes its folder.
        </p>
      )}
      {job && <RolloutJobView job={job} lost={lost} needsKey={needsKey} />}
      <RunAgentsForm
        scripts={page.scripts}
        overseers={page.overseers}
        busy={navigation.state === 'submitting'}
      />
    </article>
  );
}
