import { wilson } from '../stats/wilson.ts';

/** One branch point of the report (`@palestra/runtime`'s `StepValue`), as far as the chart reads it. */
export interface StepValueView {
  step: number;
  samples: number;
  successes: number;
  value: number;
  meanReturn: number;
  failed: number;
  action: unknown;
}

const W = 760;
const H = 280;
const PAD = { left: 56, right: 20, top: 20, bottom: 44 };

/**
 * The chance of success from each step of the episode on its timeline (steps on x, P(success) on
 * y), each point with its 95 % Wilson interval, the branch step marked. Drawn by us in SVG.
 */
export function BranchChart({ values, branchStep }: { values: StepValueView[]; branchStep: number }) {
  const last = Math.max(1, ...values.map((v) => v.step));
  const x = (step: number) => PAD.left + (step / last) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);
  const line = values.map((v) => `${x(v.step).toFixed(1)},${y(v.value).toFixed(1)}`).join(' ');
  const ticks =
    last <= 20
      ? values.map((v) => v.step)
      : Array.from({ length: 11 }, (_, i) => Math.round((i * last) / 10));
  return (
    <figure className="branch-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby="branch-chart-title branch-chart-desc"
        data-points={values.length}
      >
        <title id="branch-chart-title">Chance of success from each step</title>
        <desc id="branch-chart-desc">{`${values.map((v) => `step ${v.step}: ${(v.value * 100).toFixed(0)} %`).join(', ')}; branched at step ${branchStep}.`}</desc>
        {[0, 0.25, 0.5, 0.75, 1].map((p) => (
          <g key={p}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(p)} y2={y(p)} />
            <text className="axis-text" x={PAD.left - 8} y={y(p) + 4} textAnchor="end">
              {`${p * 100} %`}
            </text>
          </g>
        ))}
        {ticks.map((s) => (
          <text key={s} className="axis-text" x={x(s)} y={H - PAD.bottom + 16} textAnchor="middle">
            {s}
          </text>
        ))}
        <text className="axis-text" x={(PAD.left + W - PAD.right) / 2} y={H - 6} textAnchor="middle">
          step of the recorded episode (0: after reset)
        </text>
        <text
          className="axis-text"
          transform={`translate(14 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          P(success)
        </text>
        <line
          className="branch-mark"
          x1={x(branchStep)}
          x2={x(branchStep)}
          y1={PAD.top}
          y2={H - PAD.bottom}
        />
        <text className="branch-mark-text" x={x(branchStep) + 4} y={PAD.top + 12}>
          {`step ${branchStep}`}
        </text>
        <polyline className="value-line" points={line} fill="none" />
        {values.map((v) => {
          const ci = wilson(v.successes, v.samples - v.failed);
          return (
            <g key={v.step} className="value-point">
              {v.samples - v.failed > 0 && (
                <line className="interval" x1={x(v.step)} x2={x(v.step)} y1={y(ci.high)} y2={y(ci.low)} />
              )}
              <circle cx={x(v.step)} cy={y(v.value)} r={v.step === branchStep ? 6 : 4}>
                <title>{`step ${v.step}: P(success) ${(v.value * 100).toFixed(1)} % (95 % interval ${(ci.low * 100).toFixed(0)}–${(ci.high * 100).toFixed(0)} %), ${v.successes} of ${v.samples - v.failed} samples`}</title>
              </circle>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        Each point: the share of continuations from that step that succeeded, with its 95 % interval (Wilson).
        The dashed line marks step {branchStep}.
      </figcaption>
    </figure>
  );
}
