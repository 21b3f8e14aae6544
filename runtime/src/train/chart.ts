import type { StepRecord, TrainState } from './checkpoint.ts';

/** A terminal sparkline of values (low … high mapped to ▁ … █); `·` where a value is missing. */
export function sparkline(values: (number | null)[]): string {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const bars = '▁▂▃▄▅▆▇█';
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return '·';
      const k = hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (bars.length - 1));
      return bars[k];
    })
    .join('');
}

/** One curve of a training run: a label, a colour, and points per step (`lo`/`hi`: a ± band). */
export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number; lo?: number; hi?: number }[];
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(3));

/** One panel: a line per series (a band for ± std), axes with the step numbers. */
function panel(title: string, series: Series[], steps: number): string {
  const W = 460;
  const H = 220;
  const m = { l: 52, r: 12, t: 28, b: 30 };
  const all = series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  if (all.length === 0)
    return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><text x="${m.l}" y="18" class="t">${esc(title)}</text><text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="n">no data yet</text></svg>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (s: number) => m.l + ((s - (steps > 1 ? 0 : -1)) / Math.max(steps, 1)) * (W - m.l - m.r);
  const y = (v: number) => m.t + (1 - (v - lo) / (hi - lo)) * (H - m.t - m.b);
  const parts: string[] = [`<text x="${m.l}" y="18" class="t">${esc(title)}</text>`];
  for (const v of [lo, (lo + hi) / 2, hi])
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" class="g"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" class="a">${fmt(v)}</text>`,
    );
  const ticks = Math.min(steps, 10);
  for (let i = 0; i <= ticks; i++) {
    const s = Math.round((i / Math.max(ticks, 1)) * steps);
    parts.push(`<text x="${x(s)}" y="${H - 10}" text-anchor="middle" class="a">${s}</text>`);
  }
  for (const s of series) {
    const band = s.points.filter((p) => p.lo !== undefined && p.hi !== undefined);
    if (band.length > 1)
      parts.push(
        `<polygon fill="${s.color}" opacity="0.15" points="${[...band.map((p) => `${x(p.x)},${y(p.hi!)}`), ...band.reverse().map((p) => `${x(p.x)},${y(p.lo!)}`)].join(' ')}"/>`,
      );
    if (s.points.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')}"/>`,
      );
    for (const p of s.points)
      parts.push(
        `<circle cx="${x(p.x)}" cy="${y(p.y)}" r="3" fill="${s.color}"><title>${esc(s.label)} · step ${p.x}: ${fmt(p.y)}</title></circle>`,
      );
  }
  const legend = series
    .map(
      (s, i) =>
        `<text x="${W - m.r - 170 * i}" y="18" fill="${s.color}" class="l" text-anchor="end">● ${esc(s.label)}</text>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}${legend}</svg>`;
}

/** A numeric metric of a step's trainer metrics (`loss`, `kl`, …), or null when absent. */
export function metric(r: StepRecord, name: string): number | null {
  const v = r.metrics?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const pointsOf = (steps: StepRecord[], pick: (r: StepRecord) => number | null) =>
  steps.flatMap((r) => {
    const y = pick(r);
    return y === null ? [] : [{ x: r.step, y }];
  });

/** A step's broken episodes, `environment / agent` (with the codes on hover); `-` for SFT steps. */
function faultCell(r: StepRecord): string {
  if (!r.faults) return '-';
  const codes = Object.entries(r.faults.codes)
    .map(([c, n]) => `${n}× ${c}`)
    .join(', ');
  return `<span title="${esc(codes)}">${r.faults.environment} / ${r.faults.agent}</span>`;
}

/** The run's broken episodes in one sentence (empty when none broke). */
function faultSummary(steps: StepRecord[]): string {
  const env = steps.reduce((a, r) => a + (r.faults?.environment ?? 0), 0);
  const agent = steps.reduce((a, r) => a + (r.faults?.agent ?? 0), 0);
  if (env + agent === 0) return '';
  return ` · ${env} episode${env === 1 ? '' : 's'} broken by the environment (left out) · ${agent} by the agent (trained on at the worst reward)`;
}

/** The four curves of a training run: training reward (mean ± std), held-out success, KL, loss. */
export interface TrainCurves {
  reward: Series;
  success: Series;
  kl: Series;
  loss: Series;
}

/**
 * The curves of a training run, per step (the CLI's reward-curve.html and the studio draw these):
 * held-out success starts at step 0 with `eval0` when there is one.
 *
 * @example
 * trainCurves(readState('runs/t')!).reward.points[0]; // { x: 1, y: 0.4, lo: 0.1, hi: 0.7 }
 */
export function trainCurves(state: TrainState): TrainCurves {
  const steps = state.steps;
  const reward: Series = {
    label: 'train reward (mean ± std)',
    color: '#2563eb',
    points: steps.flatMap((r) =>
      r.reward
        ? [
            {
              x: r.step,
              y: r.reward.mean,
              lo: r.reward.mean - r.reward.std,
              hi: r.reward.mean + r.reward.std,
            },
          ]
        : [],
    ),
  };
  const success: Series = {
    label: 'held-out success',
    color: '#16a34a',
    points: [
      ...(state.eval0 ? [{ x: 0, y: state.eval0.successRate }] : []),
      ...pointsOf(steps, (r) => r.eval?.successRate ?? null),
    ],
  };
  // GRPO reports the KL to the reference (`kl`, with beta > 0); PPO its approximate KL to the sampler (`approx_kl`).
  const kl: Series = {
    label: 'KL',
    color: '#9333ea',
    points: pointsOf(steps, (r) => metric(r, 'kl') ?? metric(r, 'approx_kl')),
  };
  const loss: Series = { label: 'loss', color: '#dc2626', points: pointsOf(steps, (r) => metric(r, 'loss')) };
  return { reward, success, kl, loss };
}

/**
 * The reward curve of a training run as one self-contained HTML page (inline SVG, no script, no
 * CDN: it opens anywhere, offline, and can be attached to a report): training reward mean ± std,
 * held-out success, KL and loss per step.
 *
 * @example
 * writeFileSync('runs/t/reward-curve.html', rewardCurveHtml(readState('runs/t')!));
 */
export function rewardCurveHtml(state: TrainState): string {
  const steps = state.steps;
  const n = Math.max(steps.length, 1);
  const { reward, success, kl, loss } = trainCurves(state);
  const rows = steps
    .map(
      (r) =>
        `<tr><td>${r.step}</td><td>${r.kind}</td><td>${esc(r.trained)}</td><td>${r.reward ? `${fmt(r.reward.mean)} ± ${fmt(r.reward.std)}` : '-'}</td><td>${r.eval ? `${(100 * r.eval.successRate).toFixed(0)}%` : '-'}</td><td>${metric(r, 'loss') === null ? '-' : fmt(metric(r, 'loss')!)}</td><td>${(metric(r, 'kl') ?? metric(r, 'approx_kl')) === null ? '-' : fmt((metric(r, 'kl') ?? metric(r, 'approx_kl'))!)}</td><td>${faultCell(r)}</td><td>${r.seconds === null ? '-' : r.seconds.toFixed(1)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(state.env)} · ${esc(state.algo)} · reward curve</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#111}h1{font-size:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(470px,1fr));gap:12px}
svg{background:#fafafa;border:1px solid #e5e5e5;border-radius:6px}
.t{font-weight:600;font-size:13px}.a{font-size:11px;fill:#666}.l{font-size:11px}.n{fill:#999}
.g{stroke:#e5e5e5}table{border-collapse:collapse;margin-top:16px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
</style></head><body>
<h1>${esc(state.env)} · ${esc(state.algo)} on ${esc(state.model)} · ${steps.length} step${steps.length === 1 ? '' : 's'}</h1>
<p>group ${state.group} · ${state.episodesPerStep} episodes per step · seed ${state.seed}${faultSummary(steps)}</p>
<div class="grid">
${panel('Training reward per step', [reward], n)}
${panel('Held-out success rate', [success], n)}
${panel('KL to the reference', [kl], n)}
${panel('Loss', [loss], n)}
</div>
<table><thead><tr><th>step</th><th>kind</th><th>policy after</th><th>reward</th><th>eval success</th><th>loss</th><th>KL</th><th title="episodes the environment broke (left out) / the agent broke (worst reward)">faults env / agent</th><th>seconds</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
}
