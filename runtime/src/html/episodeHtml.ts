import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Episode, EpisodeStep } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { parseTurnRecord } from '../agents/turnRecord.ts';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const money = (micros: number) => {
  const v = fromMicros(micros);
  return (v > 0 ? '+' : '') + String(v);
};

function actionText(step: Pick<EpisodeStep, 'action'>): string {
  const a = step.action as { tool?: string; arguments?: unknown; text?: string };
  if (a.tool !== undefined) return `${a.tool} ${JSON.stringify(a.arguments ?? {})}`;
  return `says ${JSON.stringify(a.text)}`;
}

const pretty = (v: unknown) => escapeHtml(JSON.stringify(v, null, 2) ?? 'null');

/** Cumulative return after each step (index 0: after reset), in reward units. */
export function cumulativeReturns(ep: Episode): number[] {
  const out = [0];
  let sum = 0;
  for (const s of ep.steps) {
    sum += s.reward;
    out.push(fromMicros(sum));
  }
  return out;
}

/** The cumulative return as an inline SVG polyline, one point per step, with a marker the page moves. */
function sparkline(values: number[]): string {
  const w = 640;
  const h = 80;
  const pad = 6;
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const span = max - min || 1;
  const x = (i: number) => pad + (values.length <= 1 ? 0 : (i * (w - 2 * pad)) / (values.length - 1));
  const y = (v: number) => h - pad - ((v - min) * (h - 2 * pad)) / span;
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const zero = y(0).toFixed(1);
  const dots = values
    .map((v, i) => `<circle class="pt" data-i="${i}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2"/>`)
    .join('');
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="cumulative return per step">
<line x1="${pad}" y1="${zero}" x2="${w - pad}" y2="${zero}" class="zero"/>
<polyline points="${points}" class="line"/>${dots}
<circle id="marker" cx="${x(0).toFixed(1)}" cy="${y(values[0] ?? 0).toFixed(1)}" r="5"/>
<text x="${pad}" y="12" class="lbl">${escapeHtml(String(max))}</text><text x="${pad}" y="${h - 2}" class="lbl">${escapeHtml(String(min))}</text>
</svg>`;
}

/** A turn record of the page, read through the turn record's schema (`path`: where it sits in the episode). */
function turnHtml(turn: unknown, path: readonly PropertyKey[]): string {
  if (turn === undefined) return '';
  const t = parseTurnRecord(turn, { path });
  const facts = [
    t.agent && `agent ${escapeHtml(t.agent)}`,
    t.policy && `policy ${escapeHtml(t.policy)}`,
    t.latencyMs !== undefined && `${t.latencyMs} ms`,
    t.usage && `${t.usage.promptTokens} prompt + ${t.usage.completionTokens} completion tokens`,
    t.finishReason && `finish: ${escapeHtml(t.finishReason)}`,
    t.logprobs && `${t.logprobs.length} log-probabilities`,
  ].filter(Boolean);
  return `<div class="turn"><h4>Model turn</h4><p class="facts">${facts.join(' · ')}</p>
<h5>Completion</h5><pre>${pretty(t.completion)}</pre>
<details><summary>Messages the model saw (${t.messages?.length ?? 0})</summary><pre>${pretty(t.messages)}</pre></details>
<details><summary>Full turn record</summary><pre>${pretty(turn)}</pre></details></div>`;
}

function stepSection(step: EpisodeStep, cumulative: number): string {
  const comps = step.components.map((c) => `${escapeHtml(c.name)} ${money(c.micros)}`).join(', ');
  const flags = [
    step.terminated && '<span class="tag ok">terminated</span>',
    step.truncated && '<span class="tag warn">truncated (step limit)</span>',
    step.invalidAction &&
      `<span class="tag bad">invalid action: ${escapeHtml(step.invalidAction.code)}</span>`,
  ]
    .filter(Boolean)
    .join(' ');
  return `<section class="step" id="step-${step.i}" data-i="${step.i}" hidden>
<h3>Step ${step.i} ${flags}</h3>
<dl>
<dt>Action</dt><dd><code>${escapeHtml(actionText(step))}</code></dd>
<dt>Reward</dt><dd>${money(step.reward)}${comps ? ` <span class="dim">(${comps})</span>` : ''} · return so far ${escapeHtml(String(cumulative))}</dd>
<dt>State</dt><dd><code>${escapeHtml(step.state.join(' '))}</code></dd>
<dt>Event</dt><dd><code>${escapeHtml(JSON.stringify(step.event))}</code></dd>
${step.invalidAction ? `<dt>Why invalid</dt><dd>${escapeHtml(step.invalidAction.message)}</dd>` : ''}
<dt>Hash</dt><dd><code class="dim">${escapeHtml(step.hash)}</code></dd>
</dl>
<h4>Observation</h4><pre class="obs">${escapeHtml(step.observation.text)}</pre>
<details><summary>Structured observation</summary><pre>${pretty(step.observation.json)}</pre></details>
${turnHtml(step.turn, ['steps', step.i - 1, 'turn'])}
</section>`;
}

/** The failure line of a failed episode: the action that caused it and the error, as the step that never completed. */
function failureSection(f: NonNullable<Episode['failure']>): string {
  const fault = f.error.fault ?? '';
  return `<section class="step" id="step-${f.i}" data-i="${f.i}" hidden>
<h3>Step ${f.i} <span class="tag bad">failed${fault ? ` (${escapeHtml(fault)} fault)` : ''}</span></h3>
<dl>
<dt>Action</dt><dd><code>${escapeHtml(actionText(f))}</code></dd>
<dt>Error</dt><dd><code>${escapeHtml(f.error.code)}</code>: ${escapeHtml(f.error.message)}</dd>
<dt>Hash</dt><dd><code class="dim">${escapeHtml(f.hash)}</code></dd>
</dl>
<p class="dim">The action did not complete: the episode stopped here, failed (not counted in returns or success rates). Replay re-executes it and requires the same error.</p>
${turnHtml(f.turn, ['failure', 'turn'])}
</section>`;
}

const CSS = `
:root{font-family:system-ui,sans-serif;color:#1d2330;background:#f7f7f9}
body{margin:0;padding:1rem 1.5rem;max-width:1200px}
h1{font-size:1.25rem;margin:.2rem 0}h3{margin:.2rem 0 .6rem}h4{margin:1rem 0 .3rem}h5{margin:.5rem 0 .2rem}
.meta{color:#555;margin:.2rem 0 .8rem}
.controls{display:flex;gap:.5rem;align-items:center;margin:.6rem 0}
.controls input[type=range]{flex:1}
.layout{display:grid;grid-template-columns:260px 1fr;gap:1rem}
ol.steps{list-style:none;margin:0;padding:0;max-height:70vh;overflow:auto;border:1px solid #ddd;background:#fff}
ol.steps li{padding:.25rem .5rem;cursor:pointer;border-bottom:1px solid #eee;font-size:.85rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
ol.steps li.cur{background:#dde8ff}ol.steps li.pos{color:#176b2c}ol.steps li.neg{color:#a12121}ol.steps li.inv{font-style:italic}
.panel{background:#fff;border:1px solid #ddd;padding:.6rem 1rem}
pre{background:#f1f2f5;padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-word}
dl{display:grid;grid-template-columns:110px 1fr;gap:.2rem .6rem;margin:0}dt{color:#666}dd{margin:0}
.tag{font-size:.75rem;padding:.1rem .4rem;border-radius:.3rem;background:#eee}.ok{background:#d7f5de}.warn{background:#fff1c9}.bad{background:#ffd9d9}
.dim{color:#888}.spark{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}
.spark .line{fill:none;stroke:#2856c9;stroke-width:2}.spark .zero{stroke:#bbb;stroke-dasharray:3 3}
.spark .pt{fill:#2856c9;cursor:pointer}.spark #marker{fill:none;stroke:#e4572e;stroke-width:2}.spark .lbl{font-size:10px;fill:#888}
.turn{border-top:1px dashed #ccc;margin-top:1rem}.facts{color:#555;font-size:.9rem}
`;

const JS = `
(function(){
  var range=document.getElementById('scrub'),label=document.getElementById('pos');
  var items=document.querySelectorAll('ol.steps li'),sections=document.querySelectorAll('section.step');
  var marker=document.getElementById('marker'),pts=document.querySelectorAll('.spark .pt');
  function show(i){
    i=Math.max(0,Math.min(Number(range.max),i));range.value=i;
    label.textContent=i===0?'reset':'step '+i+' / '+range.max;
    for(var k=0;k<sections.length;k++)sections[k].hidden=Number(sections[k].dataset.i)!==i;
    for(var k=0;k<items.length;k++)items[k].classList.toggle('cur',Number(items[k].dataset.i)===i);
    var cur=document.querySelector('ol.steps li.cur');if(cur&&cur.scrollIntoView)cur.scrollIntoView({block:'nearest'});
    var p=pts[i];if(p){marker.setAttribute('cx',p.getAttribute('cx'));marker.setAttribute('cy',p.getAttribute('cy'));}
    if(history.replaceState)history.replaceState(null,'','#'+i);
  }
  range.addEventListener('input',function(){show(Number(range.value));});
  document.getElementById('prev').onclick=function(){show(Number(range.value)-1);};
  document.getElementById('next').onclick=function(){show(Number(range.value)+1);};
  for(var k=0;k<items.length;k++)items[k].onclick=function(){show(Number(this.dataset.i));};
  for(var k=0;k<pts.length;k++)pts[k].onclick=function(){show(Number(this.dataset.i));};
  document.addEventListener('keydown',function(e){
    if(e.key==='ArrowRight'||e.key==='j')show(Number(range.value)+1);
    if(e.key==='ArrowLeft'||e.key==='k')show(Number(range.value)-1);
    if(e.key==='Home')show(0);if(e.key==='End')show(Number(range.max));
  });
  show(Number((location.hash||'#0').slice(1))||0);
})();
`;

/**
 * One self-contained HTML page for an episode (inline CSS, JS and SVG; it loads nothing): a
 * timeline to scrub (range input, step list, arrow keys), and per step the observation, action,
 * reward and its components, state, event and the model's turn record; the cumulative return as
 * a sparkline. Every step is rendered into the page, so it reads without JavaScript too.
 *
 * @example
 * writeFileSync('ep.html', renderEpisodeHtml(readEpisode('runs/a/episode-000000.jsonl')));
 */
export function renderEpisodeHtml(ep: Episode): string {
  const h = ep.header;
  const cum = cumulativeReturns(ep);
  const total = cum.at(-1) ?? 0;
  const failure = ep.failure;
  const end = ep.footer?.error
    ? `failed${failure ? ` at step ${failure.i}` : ''}: ${ep.footer.error.code}: ${ep.footer.error.message}${ep.footer.error.fault ? ` (${ep.footer.error.fault} fault)` : ''}`
    : ep.footer
      ? `${ep.footer.terminated ? 'terminated' : 'truncated'} after ${ep.footer.length} steps`
      : `incomplete record (interrupted after step ${ep.steps.length})`;
  const title = `${h.spec.name}@${h.spec.version} · seed ${h.seed} · task ${h.taskIndex} (${h.taskId})`;
  const list = [
    `<li data-i="0">reset · ${escapeHtml(h.info.state.join(' '))}</li>`,
    ...ep.steps.map((s) => {
      const cls = [s.reward > 0 ? 'pos' : s.reward < 0 ? 'neg' : '', s.invalidAction ? 'inv' : '']
        .filter(Boolean)
        .join(' ');
      return `<li data-i="${s.i}"${cls ? ` class="${cls}"` : ''} title="${escapeHtml(actionText(s))}">${s.i}. ${escapeHtml(actionText(s))} · ${money(s.reward)}</li>`;
    }),
    ...(failure
      ? [
          `<li data-i="${failure.i}" class="neg" title="${escapeHtml(actionText(failure))}">${failure.i}. ${escapeHtml(actionText(failure))} · ✖ ${escapeHtml(failure.error.code)}</li>`,
        ]
      : []),
  ].join('\n');
  const reset = `<section class="step" id="step-0" data-i="0" hidden>
<h3>Reset</h3>
<dl><dt>Instructions</dt><dd>${escapeHtml(h.info.instructions)}</dd>
<dt>State</dt><dd><code>${escapeHtml(h.info.state.join(' '))}</code></dd>
<dt>Hash</dt><dd><code class="dim">${escapeHtml(h.hash)}</code></dd></dl>
<h4>Observation</h4><pre class="obs">${escapeHtml(h.observation.text)}</pre>
<details><summary>Structured observation</summary><pre>${pretty(h.observation.json)}</pre></details>
</section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">agent <b>${escapeHtml(h.agent)}</b> · return <b>${escapeHtml(String(total))}</b> · ${escapeHtml(end)} · root <code>${escapeHtml((ep.footer?.root ?? ep.steps.at(-1)?.hash ?? h.hash).slice(0, 16))}…</code></p>
${sparkline(cum)}
<div class="controls">
<button id="prev" type="button" aria-label="previous step">◀</button>
<input id="scrub" type="range" min="0" max="${ep.steps.length + (failure ? 1 : 0)}" value="0" step="1" aria-label="step">
<button id="next" type="button" aria-label="next step">▶</button>
<span id="pos">reset</span>
</div>
<div class="layout">
<ol class="steps">
${list}
</ol>
<div class="panel">
${reset}
${ep.steps.map((s, k) => stepSection(s, cum[k + 1]!)).join('\n')}
${failure ? failureSection(failure) : ''}
</div>
</div>
<noscript><style>section.step[hidden]{display:block}</style></noscript>
<script>${JS}</script>
</body>
</html>
`;
}

/** Writes `renderEpisodeHtml(episode)` to `outPath` (creating its folder) and returns the path. */
export function writeEpisodeHtml(episode: Episode, outPath: string): string {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, renderEpisodeHtml(episode));
  return outPath;
}
