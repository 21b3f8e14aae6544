import { useCallback, useMemo, useState } from 'react';
import { Form, Link } from 'react-router';
import type { EpisodeView } from '../../server/episodeView.ts';
import { statechartGraph } from '../canvas/statechartGraph.ts';
import { CanvasPane } from '../components/CanvasPane.tsx';
import { readRecord } from './readRecord.ts';
import { replayFrames } from './replayFrames.ts';
import { ScoresView } from './ScoresView.tsx';
import { StepList } from './StepList.tsx';
import { StepPanel, units } from './StepPanel.tsx';
import { VerifiedBadge } from './VerifiedBadge.tsx';
import './replay.css';

/** `a/b c.jsonl` → `a/b%20c.jsonl`: a path inside a run folder, as a URL's splat. */
export const splat = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The link to an episode's replay page. */
export const replayHref = (runId: string, path: string) =>
  `/runs/${encodeURIComponent(runId)}/episode/${splat(path)}`;

const NO_FILES: Record<string, string> = {};

/**
 * One episode on the statechart: the verified badge, a timeline scrubber and the step list, the
 * canvas with the active states lit and the path so far, the step's details, the overseer's
 * scores, "Branch from this step" and "Compare with…". Every frame is computed once from the
 * record; scrubbing only picks one.
 */
export function ReplayPage({ view, initialStep }: { view: EpisodeView; initialStep: number }) {
  const { runId, runName, path, text, environment, sameTask } = view;
  const read = useMemo(() => readRecord(text, path), [text, path]);
  const episode = read.ok ? read.episode : undefined;
  const spec = environment.ok ? environment.spec : undefined;
  const edges = useMemo(() => (spec ? statechartGraph(spec).edges : []), [spec]);
  const frames = useMemo(() => (episode ? replayFrames(episode, edges) : []), [episode, edges]);
  const total = episode?.steps.length ?? 0;
  const [k, setK] = useState(() => Math.min(Math.max(0, initialStep), total));
  const pick = useCallback((n: number) => setK(n), []);
  const frame = frames[k];
  const header = episode?.header;

  return (
    <article aria-labelledby="replay-title" className="replay">
      <p>
        <Link to={`/runs/${encodeURIComponent(runId)}`}>← run {runName}</Link>
      </p>
      <h1 id="replay-title">
        Replay <code>{path}</code>
      </h1>
      {view.header && (
        <p className="muted">
          {view.header.env} · task <code>{view.header.taskId}</code> · seed {view.header.seed} · agent{' '}
          <code>{view.header.agent}</code>
          {episode &&
            ` · ${total} step${total === 1 ? '' : 's'} · return ${episode.footer ? units(episode.footer.return) : 'unfinished'}${episode.failure ? ` · failed (${episode.failure.error.code})` : ''}`}
        </p>
      )}
      <VerifiedBadge
        episode={episode}
        problem={read.ok ? undefined : read.problem}
        spec={spec}
        files={environment.ok ? environment.files : NO_FILES}
      />
      {!read.ok && (
        <div role="alert" className="replay-alert">
          <p>
            <code>{read.problem.code}</code> {read.problem.message}
          </p>
          {read.problem.hint && <p>{read.problem.hint}</p>}
          <p>The record cannot be shown step by step: its lines no longer add up.</p>
        </div>
      )}
      {!environment.ok && (
        <div role="alert" className="replay-alert">
          <p>
            <code>{environment.code}</code> {environment.message}
          </p>
          {environment.hint && <p>{environment.hint}</p>}
          <p>The episode is shown without the statechart, and it cannot be re-played here.</p>
        </div>
      )}
      {episode && header && frame && (
        <>
          <div className="replay-timeline">
            <label htmlFor="replay-scrubber">Step</label>
            <input
              id="replay-scrubber"
              type="range"
              min={0}
              max={total}
              step={1}
              value={k}
              aria-valuetext={k === 0 ? 'reset' : `step ${k} of ${total}`}
              onChange={(e) => setK(Number(e.currentTarget.value))}
            />
            <output htmlFor="replay-scrubber" className="replay-position">
              {k} / {total}
            </output>
          </div>
          <div className="env-layout">
            {spec ? (
              <CanvasPane
                spec={spec}
                layout={environment.ok ? environment.layout : undefined}
                active={frame.active}
                path={frame.path}
                visited={frame.visited}
              />
            ) : (
              <section className="canvas-pane replay-no-canvas" aria-label="Statechart canvas">
                <p>No statechart: the environment that recorded this episode is not in the studio.</p>
              </section>
            )}
            <aside className="side-panel" aria-label="Step details">
              {/* In the panel: a scrolling panel needs something to focus (and this is about the step shown). */}
              <p>
                <Link
                  className="button-link"
                  to={`/runs/${encodeURIComponent(runId)}/branch/${splat(path)}?step=${k}`}
                >
                  Branch from this step
                </Link>
              </p>
              <StepPanel header={header} step={k === 0 ? undefined : episode.steps[k - 1]} total={total} />
            </aside>
          </div>
          <div className="replay-lower">
            <StepList steps={episode.steps} current={k} onPick={pick} />
            <div>
              <ScoresView episode={episode} />
              <CompareWith runId={runId} path={path} sameTask={sameTask} taskId={header.taskId} />
            </div>
          </div>
        </>
      )}
    </article>
  );
}

/** "Compare with…": another episode of the same task in this run, opened in the diff page. */
function CompareWith({
  runId,
  path,
  sameTask,
  taskId,
}: {
  runId: string;
  path: string;
  sameTask: readonly string[];
  taskId: string;
}) {
  return (
    <section aria-labelledby="replay-compare-title" className="replay-compare">
      <h2 id="replay-compare-title">Compare with…</h2>
      {sameTask.length === 0 ? (
        <p className="muted">
          No other episode of task <code>{taskId}</code> in this run. Run a group of episodes per task (a
          group size above 1) to compare them, or open{' '}
          <code>/runs/&lt;id&gt;/diff?a=…&amp;b=…&amp;bRun=&lt;other run&gt;</code> for an episode of another
          run.
        </p>
      ) : (
        <Form method="get" action={`/runs/${encodeURIComponent(runId)}/diff`} className="button-row">
          <input type="hidden" name="a" value={path} />
          <label htmlFor="replay-compare-b">Episode of the same task</label>
          <select id="replay-compare-b" name="b" defaultValue={sameTask[0]}>
            {sameTask.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <button type="submit">Compare</button>
        </Form>
      )}
    </section>
  );
}
