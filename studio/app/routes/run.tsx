import { Form, Link, useLoaderData } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { runFolder } from '../../server/runFiles.ts';
import { readEvalRun } from '../../server/runs/evalRun.ts';
import { runDigest, runParts } from '../../server/runs/runDigest.ts';
import { runEnvironments } from '../../server/runs/runEnvironment.ts';
import { readTrainRun } from '../../server/runs/trainRun.ts';
import { runVersion } from '../../server/versions/runVersion.ts';
import { EvalRun } from '../runs/EvalRun.tsx';
import { formatRate, formatReturn, shortDate } from '../runs/list/format.ts';
import { EpisodeList } from '../runs/run/EpisodeList.tsx';
import { RewardHistogram } from '../runs/run/RewardHistogram.tsx';
import { RunStats } from '../runs/run/RunStats.tsx';
import { TaskTable } from '../runs/run/TaskTable.tsx';
import { TrainRun } from '../runs/TrainRun.tsx';
import { RunVersionNote } from '../versions/RunVersionNote.tsx';
import '../runs/list/runsList.css';
import '../runs/run/run.css';

/** The part a page shows first: a training run's last step, otherwise the first part (an eval's side a). */
function defaultPart(kind: string, parts: string[]): string | undefined {
  if (kind === 'train') return parts.filter((p) => p.startsWith('steps/')).at(-1) ?? parts.at(-1);
  return parts[0];
}

/** `''` → the run's episodes, `b` → side b, `steps/step-0003` → step 3. */
function partLabel(part: string): string {
  if (part === '') return "the run's episodes";
  const step = /^steps\/step-(\d+)$/.exec(part);
  if (step) return `step ${Number(step[1])}`;
  return part.length === 1 ? `side ${part}` : part;
}

/**
 * One run, from its folder: the digest of one part of it (computed once per folder state and
 * cached on the server), its environment when it resolves, and a training or evaluation run's own
 * view. The part comes from `?part=` only when the folder lists it.
 */
export async function loader({
  params,
  context,
  request,
}: {
  params: { id?: string };
  context: unknown;
  request: Request;
}) {
  const studio = studioContext(context);
  const found = await runFolder(studio, params.id ?? '');
  if (!found)
    throw new Response(`No run has the id "${params.id}"`, { status: 404, statusText: 'Not Found' });
  const { run, dir } = found;
  const summary = run.summary ?? {};
  const env = (await runEnvironments(studio))(run);
  const version = (await runVersion(studio, run.envRoot, run.environmentId)) ?? null;
  const base = {
    id: run.id,
    kind: run.kind,
    folder: run.folder,
    createdAt: run.createdAt.toISOString(),
    envName: env?.name ?? (typeof summary.env === 'string' ? summary.env : `${run.envRoot.slice(0, 10)}…`),
    envRef: env?.ref ?? null,
    version,
    agent: typeof summary.agent === 'string' ? summary.agent : null,
    summaryNumbers: {
      episodes: typeof summary.episodes === 'number' ? summary.episodes : null,
      returnMean: typeof summary.returnMean === 'number' ? summary.returnMean : null,
      successRate: typeof summary.successRate === 'number' ? summary.successRate : null,
    },
  };
  if (!found.exists)
    return {
      ...base,
      exists: false as const,
      parts: [],
      part: null,
      digest: null,
      train: null,
      evalView: null,
    };
  const parts = runParts(dir).map((p) => ({ value: p, label: partLabel(p) }));
  const asked = new URL(request.url).searchParams.get('part');
  const values = parts.map((p) => p.value);
  const part = asked !== null && values.includes(asked) ? asked : defaultPart(run.kind, values);
  const [digest, train, evalView] = await Promise.all([
    part === undefined ? null : runDigest(dir, part),
    run.kind === 'train' ? readTrainRun(dir) : undefined,
    run.kind === 'eval' ? readEvalRun(dir) : undefined,
  ]);
  return {
    ...base,
    exists: true as const,
    parts,
    part: part ?? null,
    digest,
    train: train ?? null,
    evalView: evalView ?? null,
  };
}

export function meta({ data }: { data?: { folder?: string } }) {
  const name = data?.folder?.split('/').at(-1) ?? 'Run';
  return [{ title: `${name} · Runs · Palestra Studio` }];
}

export default function RunPage() {
  const run = useLoaderData<typeof loader>();
  const name = run.folder.split('/').at(-1);
  const d = run.digest;
  return (
    <section aria-labelledby="run-title" className="run-page">
      <p>
        <Link to="/runs">← Runs</Link>
      </p>
      <h1 id="run-title">
        Run <code>{name}</code>
      </h1>
      <p className="run-meta">
        {run.kind} of{' '}
        {run.envRef ? <Link to={`/env/${encodeURIComponent(run.envRef)}`}>{run.envName}</Link> : run.envName}
        {run.agent && (
          <>
            {' '}
            by <code>{run.agent}</code>
          </>
        )}{' '}
        · <time dateTime={run.createdAt}>{shortDate(run.createdAt)}</time> ·{' '}
        {run.version && (
          <>
            <RunVersionNote version={run.version} /> ·{' '}
          </>
        )}
        <code title="run folder">{run.folder}</code>
        {run.envRef && (
          <>
            {' '}
            · <Link to={`/env/${encodeURIComponent(run.envRef)}/run`}>Run agents again</Link>
          </>
        )}
      </p>
      {!run.exists && (
        <p role="alert" className="error-text">
          STUDIO_RUN_FOLDER_GONE: the folder {run.folder} is no longer on disk. Delete the run from the{' '}
          <Link to="/runs">Runs</Link> page, or put the folder back.
        </p>
      )}
      {run.train && (
        <section aria-label="Training">
          <TrainRun view={run.train} />
        </section>
      )}
      {run.evalView && (
        <section aria-label="Evaluation">
          <EvalRun view={run.evalView} />
        </section>
      )}
      {run.exists && !d && (
        <p className="muted">
          This folder holds no episode file yet: a run still starting, or an empty folder.
        </p>
      )}
      {d && (
        <>
          {run.parts.length > 1 && (
            <Form method="get" className="part-form">
              <label>
                Episodes of{' '}
                <select name="part" defaultValue={run.part ?? ''}>
                  {run.parts.map((p) => (
                    <option key={p.value} value={p.value}>
                      {p.label}
                    </option>
                  ))}
                </select>
              </label>{' '}
              <button type="submit">Show</button>
            </Form>
          )}
          <section aria-labelledby="run-summary-title">
            <h2 id="run-summary-title">Summary{run.parts.length > 1 ? ` of ${partLabel(d.part)}` : ''}</h2>
            <RunStats digest={d} />
            {run.kind !== 'train' && run.kind !== 'eval' && run.summaryNumbers.episodes !== null && (
              <p className="muted">
                The run's summary.json says {run.summaryNumbers.episodes} episodes, mean return{' '}
                {formatReturn(run.summaryNumbers.returnMean)}, success rate{' '}
                {formatRate(run.summaryNumbers.successRate)}.
              </p>
            )}
          </section>
          <section aria-labelledby="run-histogram-title">
            <h2 id="run-histogram-title">Reward histogram</h2>
            <RewardHistogram bins={d.histogram} />
          </section>
          <section aria-labelledby="run-tasks-title">
            <h2 id="run-tasks-title">Per task</h2>
            <TaskTable tasks={d.perTask} />
          </section>
          <section aria-labelledby="run-episodes-title">
            <h2 id="run-episodes-title">Episodes</h2>
            <EpisodeList key={d.part} runId={run.id} episodes={d.episodes} />
          </section>
        </>
      )}
    </section>
  );
}
