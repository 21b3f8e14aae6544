import type { TrainRunData, TrainRunView } from '../../../server/runs/trainRun.ts';
import { formatValue } from './chartGeometry.ts';
import { LineChart } from './LineChart.tsx';

const percent = (v: number) => `${(100 * v).toFixed(0)}%`;
const dash = (v: number | null, f: (v: number) => string = formatValue) => (v === null ? '–' : f(v));

function EvalCard({ title, value }: { title: string; value: TrainRunData['evalBefore'] }) {
  return (
    <div className="train-eval-card">
      <h4>{title}</h4>
      {value ? (
        <p>
          <span className="train-eval-big">{percent(value.successRate)}</span> success · mean return{' '}
          {formatValue(value.meanReturn)} · {value.episodes} episodes
        </p>
      ) : (
        <p className="muted">not evaluated (train with --eval-every to measure it)</p>
      )}
    </div>
  );
}

/**
 * A training run: its settings, the held-out evaluation before and after, reward (mean ± std),
 * held-out success, loss and KL per step (SFT warm-start steps shaded and drawn hollow), and the
 * steps as a table. A train.json that cannot be read shows its error, code and hint.
 */
export function TrainRunReport({ view }: { view: TrainRunView }) {
  if (view.state === 'unreadable')
    return (
      <section className="train-run" aria-labelledby="train-run-title">
        <h2 id="train-run-title">Training</h2>
        <p role="alert" className="error-text">
          <code>{view.code}</code>: {view.message}
          {view.hint && <> ({view.hint})</>}
        </p>
      </section>
    );
  const last = view.steps.at(-1)?.step ?? 0;
  const from = view.evalBefore ? 0 : Math.min(1, last);
  const shade =
    view.sftSteps > 0
      ? { from: 1, to: view.sftSteps, label: `SFT warm-start (${view.sftSteps})` }
      : undefined;
  const charts = [
    {
      id: 'train-reward',
      title: 'Training reward per step (mean ± std)',
      yLabel: 'reward',
      curve: view.curves.reward,
      className: 'curve-a',
    },
    {
      id: 'train-success',
      title: 'Held-out success rate',
      yLabel: 'success (share)',
      curve: view.curves.success,
      className: 'curve-b',
    },
    {
      id: 'train-loss',
      title: 'Loss per step',
      yLabel: 'loss',
      curve: view.curves.loss,
      className: 'curve-c',
    },
    {
      id: 'train-kl',
      title: 'KL to the reference per step',
      yLabel: 'KL (nats)',
      curve: view.curves.kl,
      className: 'curve-d',
    },
  ];
  return (
    <section className="train-run" aria-labelledby="train-run-title">
      <h2 id="train-run-title">
        Training: {view.algo.toUpperCase()} on {view.model}
      </h2>
      <dl className="train-settings">
        <div>
          <dt>environment</dt>
          <dd>{view.env}</dd>
        </div>
        <div>
          <dt>policy name</dt>
          <dd>{view.name}</dd>
        </div>
        <div>
          <dt>steps</dt>
          <dd>
            {view.steps.length}
            {view.sftSteps > 0 &&
              ` (${view.sftSteps} SFT warm-start, ${view.steps.length - view.sftSteps} RL)`}
          </dd>
        </div>
        <div>
          <dt>group size</dt>
          <dd>{view.group} episodes</dd>
        </div>
        <div>
          <dt>episodes per step</dt>
          <dd>{view.episodesPerStep}</dd>
        </div>
        <div>
          <dt>seed</dt>
          <dd>{view.seed}</dd>
        </div>
        <div>
          <dt>trainer step at start</dt>
          <dd>{view.baseTrainerStep}</dd>
        </div>
      </dl>

      <h3>Held-out evaluation</h3>
      <div className="train-eval">
        <EvalCard title="Before training" value={view.evalBefore} />
        <EvalCard
          title={view.evalAfter ? `After step ${view.evalAfter.step}` : 'After training'}
          value={view.evalAfter}
        />
      </div>

      <h3>Curves</h3>
      {view.steps.length === 0 ? (
        <p className="muted">No step has finished yet: the curves appear after the first one.</p>
      ) : (
        <div className="train-charts">
          {charts.map((c) => (
            <LineChart
              key={c.id}
              id={c.id}
              title={c.title}
              yLabel={c.yLabel}
              curves={[{ label: c.curve.label, className: c.className, points: c.curve.points }]}
              fromStep={from}
              toStep={Math.max(last, from + 1)}
              {...(shade ? { shade } : {})}
              {...(c.id === 'train-success' ? { format: percent } : {})}
            />
          ))}
        </div>
      )}

      <h3>Steps</h3>
      <div className="table-scroll">
        <table className="train-steps">
          <caption className="muted">
            Reward is the overseer's score of the step's training episodes; seconds are wall time.
          </caption>
          <thead>
            <tr>
              <th scope="col">step</th>
              <th scope="col">kind</th>
              <th scope="col">policy after</th>
              <th scope="col">reward mean ± std</th>
              <th scope="col">train success</th>
              <th scope="col">held-out success</th>
              <th scope="col">loss</th>
              <th scope="col">KL</th>
              <th scope="col">broken episodes (env / agent)</th>
              <th scope="col">seconds</th>
              <th scope="col">warnings</th>
            </tr>
          </thead>
          <tbody>
            {view.steps.map((s) => (
              <tr key={s.step} className={s.kind === 'sft' ? 'train-row-sft' : undefined}>
                <td>{s.step}</td>
                <td>{s.kind === 'sft' ? 'SFT' : s.kind.toUpperCase()}</td>
                <td>
                  <code>{s.trained}</code>
                  {s.recovered && ' (recovered)'}
                </td>
                <td>{s.reward ? `${formatValue(s.reward.mean)} ± ${formatValue(s.reward.std)}` : '–'}</td>
                <td>{s.reward ? percent(s.reward.success) : '–'}</td>
                <td>{s.eval ? percent(s.eval.successRate) : '–'}</td>
                <td>{dash(s.loss)}</td>
                <td>{dash(s.kl)}</td>
                <td>{s.faults ? `${s.faults.environment} / ${s.faults.agent}` : '–'}</td>
                <td>{dash(s.seconds, (v) => `${v.toFixed(1)} s`)}</td>
                <td>{s.warnings.join(', ') || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
