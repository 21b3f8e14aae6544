import { useRef } from 'react';
import { Form, Link } from 'react-router';
import { CancelJob } from './CancelJob.tsx';
import type { StudioRolloutResult } from './rolloutJob.server.ts';
import type { JobView } from './useJobEvents.ts';

/** The rollout job's progress events (`@palestra/runtime`'s `RolloutProgress`), as far as the page reads them. */
export type RolloutProgressView =
  | {
      kind: 'episodes';
      total: number;
      done: number;
      failed: number;
      resumed: number;
      turns: number;
      elapsedMs: number;
      meanReturn: number | null;
      successRate: number | null;
      tokens: { prompt: number; completion: number };
      cost: number | null;
    }
  | { kind: 'scores'; done: number; total: number };

/** What the page shows once the job ended: the server's result, as sent (a type only). */
export type RolloutResultView = StudioRolloutResult;

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`;
const num = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined ? '—' : x.toFixed(digits);
const usd = (x: number | null | undefined) =>
  x === null || x === undefined ? 'no prices given' : `$${x.toFixed(4)}`;

/**
 * A rollout job: a progress bar (episodes done of the total, then the scoring), mean return,
 * success rate, tokens and cost so far; Cancel while it runs; when done, a link to the run; a
 * failure as code, message and hint; a cancelled run offers Resume (same options, same folder).
 */
export function RolloutJobView({
  job,
  lost,
  needsKey,
}: {
  job: JobView<RolloutProgressView, RolloutResultView>;
  lost: boolean;
  /** A model agent: Resume asks for the key again (none is kept after a job ends). */
  needsKey: boolean;
}) {
  const p = job.progress;
  // The latest episodes event, kept while the scoring reports.
  const lastEpisodes = useRef<Extract<RolloutProgressView, { kind: 'episodes' }> | undefined>(undefined);
  if (p?.kind === 'episodes') lastEpisodes.current = p;
  const ep = p?.kind === 'episodes' ? p : lastEpisodes.current;
  const r = job.result;
  // Once ended, the result's counts (the last progress event may predate the last episode).
  const total = r?.episodes ?? ep?.total ?? 0;
  const done = r ? r.complete + r.failed : ep ? ep.done + ep.failed : 0;
  const folder = typeof job.meta?.folder === 'string' ? job.meta.folder : undefined;
  return (
    <section className="job-panel" aria-labelledby="job-title" data-status={job.status}>
      <h2 id="job-title">
        {job.label} <span className={`job-status job-${job.status}`}>{statusText(job.status)}</span>
      </h2>
      <div className="job-bar">
        <label htmlFor="episodes-progress">Episodes</label>
        <progress id="episodes-progress" max={total || 1} value={done} />
        <output aria-live="polite" data-testid="episodes-done">
          {done} / {total || '…'} episodes
        </output>
      </div>
      {p?.kind === 'scores' && job.status === 'running' && (
        <p className="muted">
          Scoring with the overseer: {p.done} / {p.total} episodes
        </p>
      )}
      <dl className="job-stats">
        <div>
          <dt>Mean return</dt>
          <dd>{num(r?.returnMean ?? ep?.meanReturn)}</dd>
        </div>
        <div>
          <dt>Success rate</dt>
          <dd>{pct(r?.successRate ?? ep?.successRate)}</dd>
        </div>
        <div>
          <dt>Failed episodes</dt>
          <dd>{r?.failed ?? ep?.failed ?? 0}</dd>
        </div>
        <div>
          <dt>Tokens (prompt + completion)</dt>
          <dd>
            {(r?.tokens ?? ep?.tokens)
              ? `${(r?.tokens ?? ep?.tokens)!.prompt.toLocaleString('en')} + ${(r?.tokens ?? ep?.tokens)!.completion.toLocaleString('en')}`
              : '—'}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{usd(r?.cost ?? ep?.cost)}</dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{ep ? `${(ep.elapsedMs / 1000).toFixed(1)} s` : '—'}</dd>
        </div>
      </dl>
      {lost && job.status === 'running' && (
        <p role="alert" className="error-text">
          The progress stream was lost (did the studio restart?). The run folder stays: start the same run
          again to resume it.
        </p>
      )}
      {job.status === 'running' && <CancelJob jobId={job.id} />}
      {job.status === 'done' && (
        <p className="button-row">
          {r?.runId ? (
            <Link className="button-link" to={`/runs/${encodeURIComponent(r.runId)}`}>
              Open the run
            </Link>
          ) : (
            <span className="muted">The run folder {folder} could not be registered.</span>
          )}
        </p>
      )}
      {job.status === 'failed' && job.error && (
        <div role="alert" className="job-error">
          <p>
            <code>{job.error.code}</code> {job.error.message}
          </p>
          {job.error.hint && <p className="muted">{job.error.hint}</p>}
        </div>
      )}
      {job.status === 'cancelled' && (
        <Form method="post" className="resume-form">
          <p>
            Cancelled: {r ? `${r.complete + r.failed}` : done} episodes are kept in <code>{folder}</code>.
            Resume plays only the rest.
          </p>
          <input type="hidden" name="intent" value="resume" />
          <input type="hidden" name="jobId" value={job.id} />
          {needsKey && (
            <label>
              API key <span className="muted">(optional; not kept after a run)</span>
              <input name="apiKey" type="password" autoComplete="off" />
            </label>
          )}
          <div className="button-row">
            <button type="submit" className="primary-button">
              Resume
            </button>
            {r?.runId && <Link to={`/runs/${encodeURIComponent(r.runId)}`}>Open the run as it is</Link>}
          </div>
        </Form>
      )}
    </section>
  );
}

function statusText(status: JobView<unknown, unknown>['status']): string {
  return { running: 'running', done: 'done', failed: 'failed', cancelled: 'cancelled' }[status];
}
