import type { Episode } from '@palestra/envs/core';
import { units } from './StepPanel.tsx';

/**
 * The overseer's scores committed after the footer (score lines, latest last): who scored, the
 * reward and its components, veto and fault, confidence, and the judge's rationale.
 */
export function ScoresView({ episode }: { episode: Episode }) {
  const scores = episode.scores ?? [];
  return (
    <section className="replay-scores" aria-labelledby="replay-scores-title">
      <h2 id="replay-scores-title">Overseer</h2>
      {scores.length === 0 ? (
        <p className="muted">
          Not scored by an overseer yet: <code>palestra score</code> on this run appends its score lines to
          each episode.
        </p>
      ) : (
        scores.map((s) => (
          <article key={s.hash} className="replay-score">
            <h3>
              Score {s.n}: <code>{s.judge}</code>
            </h3>
            <dl className="replay-facts">
              <dt>Reward</dt>
              <dd>
                <strong>{units(s.reward)}</strong>
                {s.veto && <strong className="replay-veto"> vetoed</strong>}
                {s.fault && <span> ({s.fault} fault)</span>}
              </dd>
              <dt>Confidence</dt>
              <dd>{(s.confidence / 10_000).toFixed(0)} %</dd>
              {s.components.length > 0 && (
                <>
                  <dt>Components</dt>
                  <dd>
                    <ul className="replay-components">
                      {s.components.map((c) => (
                        <li key={c.name}>
                          {c.name}: {units(c.micros)}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </>
              )}
              <dt>Rationale</dt>
              <dd>{s.rationale || <span className="muted">none given</span>}</dd>
            </dl>
          </article>
        ))
      )}
    </section>
  );
}
