import type { EpisodeStep } from '@palestra/envs/core';
import { useMemo } from 'react';
import { Link } from 'react-router';
import type { EpisodeFile } from '../../server/episodeView.ts';
import { type AlignedRow, alignEpisodes, type DiffField } from './alignEpisodes.ts';
import { replayHref } from './ReplayPage.tsx';
import { type ReadRecord, readRecord } from './readRecord.ts';
import { actionText, units } from './StepPanel.tsx';
import './replay.css';

const FIELD_WORDS: Record<DiffField, string> = {
  action: 'the action',
  observation: 'the observation',
  reward: 'the reward',
  missing: 'one episode has no such step',
};

/** Where an episode comes from, as a heading says it. */
function Side({ label, file, read }: { label: string; file: EpisodeFile; read: ReadRecord }) {
  return (
    <div>
      <h2>
        {label}: <Link to={replayHref(file.runId, file.path)}>{file.path}</Link>
      </h2>
      <p className="muted">
        run {file.runName}
        {file.header &&
          ` · ${file.header.env} · task ${file.header.taskId} · seed ${file.header.seed} · agent ${file.header.agent}`}
        {read.ok &&
          ` · ${read.episode.steps.length} steps · return ${read.episode.footer ? units(read.episode.footer.return) : 'unfinished'}`}
      </p>
      {!read.ok && (
        <div role="alert" className="replay-alert">
          <p>
            <code>{read.problem.code}</code>{' '}
            {read.problem.line ? `corrupt at line ${read.problem.line}: ` : ''}
            {read.problem.message}
          </p>
          {read.problem.hint && <p>{read.problem.hint}</p>}
        </div>
      )}
    </div>
  );
}

function Cell({
  step,
  obs,
  differs,
}: {
  step: EpisodeStep | undefined;
  obs: string | undefined;
  differs: DiffField[];
}) {
  if (obs === undefined) return <td className="muted">no such step</td>;
  const mark = (f: DiffField) => (differs.includes(f) ? 'diff-field' : undefined);
  return (
    <td>
      {step && (
        <>
          <span className={mark('action')}>
            <code>{actionText(step.action)}</code>
          </span>
          <span className={mark('reward')}>reward {units(step.reward)}</span>
        </>
      )}
      <details open={differs.includes('observation')} className={mark('observation')}>
        <summary>observation</summary>
        <pre>{obs}</pre>
      </details>
    </td>
  );
}

function Row({
  row,
  first,
  a,
  b,
}: {
  row: AlignedRow;
  first: boolean;
  a: string | undefined;
  b: string | undefined;
}) {
  const cls = [row.differs.length > 0 && 'diff-differs', first && 'diff-first'].filter(Boolean).join(' ');
  return (
    <tr
      id={`diff-step-${row.step}`}
      className={cls || undefined}
      data-differs={row.differs.join(' ') || undefined}
    >
      <th scope="row">
        {row.step === 0 ? 'reset' : row.step}
        {first && (
          <>
            <br />
            <span className="diff-mark">first divergence</span>
          </>
        )}
        {!first && row.differs.length > 0 && (
          <>
            <br />
            <span className="muted">differs</span>
          </>
        )}
      </th>
      <Cell step={row.a} obs={a} differs={row.differs} />
      <Cell step={row.b} obs={b} differs={row.differs} />
    </tr>
  );
}

/**
 * Two episodes side by side, aligned by step: the first divergence marked (the action, the
 * observation or the reward differ, or one episode ends first), each side linked to its replay.
 * Episodes of different tasks are still shown, with a notice saying so.
 */
export function DiffPage({ a, b }: { a: EpisodeFile; b: EpisodeFile }) {
  const readA = useMemo(() => readRecord(a.text, a.path), [a]);
  const readB = useMemo(() => readRecord(b.text, b.path), [b]);
  const aligned = useMemo(
    () => (readA.ok && readB.ok ? alignEpisodes(readA.episode, readB.episode) : undefined),
    [readA, readB],
  );
  const obsOf = (read: ReadRecord, step: number) => {
    if (!read.ok) return undefined;
    return step === 0 ? read.episode.header.observation.text : read.episode.steps[step - 1]?.observation.text;
  };
  const first = aligned?.firstDivergence;
  return (
    <article aria-labelledby="diff-title" className="replay">
      <p>
        <Link to={`/runs/${encodeURIComponent(a.runId)}`}>← run {a.runName}</Link>
      </p>
      <h1 id="diff-title">Compare two episodes</h1>
      <div className="replay-lower">
        <Side label="A" file={a} read={readA} />
        <Side label="B" file={b} read={readB} />
      </div>
      {aligned && (
        <>
          {!aligned.sameTask && (
            <p role="note" className="replay-alert">
              These episodes played different tasks (or different versions of the environment): they are
              aligned by step all the same, and differ from the reset on.
            </p>
          )}
          <p role="status" className="diff-summary">
            {first ? (
              <>
                <span className="diff-mark">First divergence</span> at{' '}
                <a href={`#diff-step-${first.step}`}>
                  {first.step === 0 ? 'the reset' : `step ${first.step}`}
                </a>
                : {first.fields.map((f) => FIELD_WORDS[f]).join(', ')} differ
                {first.fields.length === 1 ? 's' : ''}.
              </>
            ) : (
              'The two episodes agree step for step.'
            )}
          </p>
          <table className="diff-table">
            <caption className="muted">
              {aligned.rows.length - 1} steps aligned; rows that differ are shaded.
            </caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">A</th>
                <th scope="col">B</th>
              </tr>
            </thead>
            <tbody>
              {aligned.rows.map((row) => (
                <Row
                  key={row.step}
                  row={row}
                  first={first?.step === row.step}
                  a={obsOf(readA, row.step)}
                  b={obsOf(readB, row.step)}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
    </article>
  );
}
