import type { LearnabilityReport } from '@palestra/runtime';
import {
  type ActionFunctionArgs,
  data,
  Form,
  Link,
  type LoaderFunctionArgs,
  useActionData,
  useLoaderData,
  useNavigation,
} from 'react-router';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';
import { cancelJob } from '../../server/jobs.ts';
import { useJobEvents } from '../agents/useJobEvents.ts';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { LearnabilityReportView } from '../learnability/LearnabilityReportView.tsx';
import {
  LEARNABILITY_DEFAULTS,
  type LearnabilityPageProgress,
  learnabilityEntry,
  learnabilityScripts,
  readLearnabilityForm,
  startLearnabilityJob,
} from '../learnability/learnabilityJob.server.ts';
import '../runs/train/runCharts.css';
import '../learnability/learnability.css';

async function loadEnv(context: unknown, name: string | undefined) {
  const env = name === undefined ? undefined : await environmentSource(studioContext(context), name);
  if (!env) throw new Response(`No environment named "${name}"`, { status: 404, statusText: 'Not Found' });
  return env;
}

/**
 * `/env/:name/learnability`: the learnability report of an environment (`palestra learnability`),
 * started here as a studio job with its progress; the latest report of the environment's root is
 * kept in the studio's memory, so coming back shows it at once.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const env = await loadEnv(context, params.name);
  const entry = learnabilityEntry(env.root);
  return {
    ref: env.ref,
    name: env.name,
    scripts: learnabilityScripts(env),
    options: entry?.options ?? LEARNABILITY_DEFAULTS,
    report: entry?.report,
    job: entry?.job,
  };
}

/** `start` (the form's options, checked) or `cancel` (the running analysis stops; its report is not made). */
export async function action({ params, context, request }: ActionFunctionArgs) {
  const env = await loadEnv(context, params.name);
  const form = await request.formData();
  if (form.get('intent') === 'cancel') {
    cancelJob(String(form.get('jobId') ?? ''));
    return { problem: undefined };
  }
  const options = readLearnabilityForm(form, env);
  if ('field' in options) return data({ problem: options }, { status: 400 });
  startLearnabilityJob(env, options);
  return { problem: undefined };
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `Learnability of ${data?.name ?? 'an environment'} · Palestra Studio` }];
}

function Progress({ progress }: { progress: LearnabilityPageProgress | undefined }) {
  if (!progress || progress.agents === 0) return <p>Starting…</p>;
  const played = progress.done + progress.failed;
  return (
    <>
      <p>
        Agent {progress.index} of {progress.agents}: <strong>{progress.agent}</strong> ·{' '}
        {progress.total > 0 ? `${played} of ${progress.total} episodes` : 'starting'}
        {progress.failed > 0 && ` (${progress.failed} failed)`}
      </p>
      <progress
        aria-label="agents analysed"
        max={progress.agents}
        value={progress.index - 1 + (progress.total > 0 ? played / progress.total : 0)}
      />
    </>
  );
}

export default function Learnability() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { job } = useJobEvents<LearnabilityPageProgress, LearnabilityReport>(loaded.job?.id, loaded.job);
  const running = job?.status === 'running';
  const submitting = navigation.state !== 'idle';
  // The finished job's report, else the one the studio kept for this root.
  const report = job?.status === 'done' && job.result ? job.result : loaded.report;
  const problem = actionData?.problem;
  const o = loaded.options;
  return (
    <article aria-labelledby="learnability-title" className="learnability">
      <p>
        <Link to={`/env/${encodeURIComponent(loaded.ref)}`}>← {loaded.name}</Link>
      </p>
      <h1 id="learnability-title">Learnability of {loaded.name}</h1>
      <p className="muted">
        Before publishing: the random baseline (and a scripted one), the spread of rewards, GRPO groups
        without signal, and degenerate policies (always one tool, empty replies, repeats) that should not earn
        reward. The same analysis as <code>palestra learnability {loaded.ref}</code>.
      </p>

      <Form method="post" className="learnability-form" aria-labelledby="learnability-form-title">
        <h2 id="learnability-form-title" className="learnability-sr">
          Settings
        </h2>
        <label>
          Groups per agent
          <input name="groups" type="number" min={1} max={256} defaultValue={o.groups} required />
        </label>
        <label>
          Episodes per group
          <input name="group" type="number" min={1} max={32} defaultValue={o.group} required />
        </label>
        <label>
          Seed
          <input name="seed" type="number" min={0} defaultValue={o.seed} required />
        </label>
        <label>
          Scripted baseline
          <select name="scripted" defaultValue={o.scripted ?? ''}>
            <option value="">none</option>
            {loaded.scripts.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" name="intent" value="start" disabled={running || submitting}>
          {report ? 'Run again' : 'Run the analysis'}
        </button>
      </Form>
      {problem && (
        <p role="alert" className="error-text">
          <code>LEARNABILITY_FORM</code>: {problem.message} (field “{problem.field}”)
        </p>
      )}

      <section aria-labelledby="learnability-status-title" aria-live="polite" className="learnability-status">
        <h2 id="learnability-status-title" className="learnability-sr">
          Status
        </h2>
        {submitting && !running && <p>Starting the analysis…</p>}
        {running && (
          <div className="learnability-running" aria-busy="true">
            <p>
              <strong>Running…</strong> the agents play one after another; this takes seconds.
            </p>
            <Progress progress={job?.progress} />
            <Form method="post">
              <input type="hidden" name="jobId" value={job?.id} />
              <button type="submit" name="intent" value="cancel">
                Cancel
              </button>
            </Form>
          </div>
        )}
        {job?.status === 'failed' && job.error && (
          <p role="alert" className="error-text">
            <code>{job.error.code}</code>: {job.error.message}
            {job.error.hint && <> ({job.error.hint})</>}
          </p>
        )}
        {job?.status === 'cancelled' && (
          <p>The analysis was cancelled: no report. Run it again to finish it.</p>
        )}
        {!report && !running && !submitting && !job && (
          <p className="muted">No report yet for this version of {loaded.name}: choose “Run the analysis”.</p>
        )}
      </section>

      {report && <LearnabilityReportView report={report} />}
    </article>
  );
}

/** An unknown environment: say so and lead back to the list. */
export function ErrorBoundary() {
  return (
    <EnvErrorPage id="learnability-error-title" failed="This environment's learnability cannot be shown" />
  );
}
