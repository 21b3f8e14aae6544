/**
 * The run page's summary: returns, the success rate with its 95% interval, lengths, invalid
 * actions, failed episodes by fault, truncated and vetoed ones, and the overseer's components.
 * Every number says what it counts, and each one carries `data-stat` for the tests.
 */
import type { RunDigest } from '../../../server/runs/runDigest.ts';
import { formatRate, formatReturn, plural } from '../list/format.ts';

function Stat({ name, label, children }: { name: string; label: string; children: React.ReactNode }) {
  return (
    <div className="run-stat">
      <dt>{label}</dt>
      <dd data-stat={name}>{children}</dd>
    </div>
  );
}

export function RunStats({ digest }: { digest: RunDigest }) {
  const d = digest;
  return (
    <>
      <dl className="run-stats">
        <Stat name="episodes" label="Episodes">
          {d.files}{' '}
          <span className="muted">
            ({d.kept} complete{d.incomplete > 0 ? `, ${d.incomplete} unfinished` : ''}
            {d.unreadable > 0 ? `, ${d.unreadable} unreadable` : ''})
          </span>
        </Stat>
        <Stat name="returnMean" label="Mean return">
          {formatReturn(d.returnMean)} <span className="muted">± {formatReturn(d.returnStd)} (sd)</span>
        </Stat>
        <Stat name="successRate" label="Success rate">
          {formatRate(d.success.rate)}{' '}
          <span className="muted" data-stat="successInterval">
            95 % CI {formatRate(d.success.low)} – {formatRate(d.success.high)} ({d.success.k} of {d.success.n}
            , Wilson)
          </span>
        </Stat>
        <Stat name="length" label="Length">
          {d.length.mean.toFixed(1)} steps mean <span className="muted">(max {d.length.max})</span>
        </Stat>
        <Stat name="invalidActions" label="Invalid actions">
          {d.invalidActions}
        </Stat>
        <Stat name="failed" label="Failed episodes">
          {d.failed.total}{' '}
          <span className="muted">
            (agent {d.failed.agent}, environment {d.failed.environment})
          </span>
          {d.failed.codes.length > 0 && (
            <span className="run-codes">
              {d.failed.codes.map((c) => (
                <span key={c.code}>
                  <code>{c.code}</code> × {c.count}
                </span>
              ))}
            </span>
          )}
        </Stat>
        <Stat name="truncated" label="Truncated (limit reached)">
          {d.truncated}
        </Stat>
        <Stat name="vetoed" label="Vetoed by the overseer">
          {d.vetoed} <span className="muted">of {plural(d.scored, 'scored episode')}</span>
        </Stat>
      </dl>
      <h3 id="run-components-title">Overseer components</h3>
      {d.components.length === 0 ? (
        <p className="muted">
          {d.scored === 0
            ? 'No episode was scored by an overseer (score it with palestra score).'
            : 'The overseer gave no reward components for these episodes.'}
        </p>
      ) : (
        <table className="runs-table run-components" aria-labelledby="run-components-title">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col" className="num">
                Mean
              </th>
              <th scope="col" className="num">
                Episodes
              </th>
            </tr>
          </thead>
          <tbody>
            {d.components.map((c) => (
              <tr key={c.name}>
                <td>
                  <code>{c.name}</code>
                </td>
                <td className="num">{formatReturn(c.mean)}</td>
                <td className="num">{c.episodes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
