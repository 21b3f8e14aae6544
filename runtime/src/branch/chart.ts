import type { Action } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import type { BranchReport } from './branch.ts';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `width` cells for a value in [0, 1], in eighths of a cell. */
export function bar(value: number, width = 20): string {
  if (!Number.isFinite(value)) return ' '.repeat(width);
  const eighths = Math.round(Math.max(0, Math.min(1, value)) * width * 8);
  const full = Math.floor(eighths / 8);
  const s = '█'.repeat(full) + EIGHTHS[eighths % 8]!;
  return s + ' '.repeat(width - [...s].length);
}

function actionText(a: Action | null): string {
  if (!a) return '(reset)';
  if ('tool' in a) return `${a.tool} ${JSON.stringify(a.arguments ?? {})}`;
  return `says ${JSON.stringify(a.text)}`;
}

/**
 * Where an episode was won or lost: per branch point, the estimated chance of success from there
 * on as a bar, the change the step made, and marks on the steps that moved it most.
 */
export function formatBranchChart(r: BranchReport, options: { threshold?: number } = {}): string {
  const threshold = options.threshold ?? 0.25;
  const width = Math.min(40, Math.max(8, ...r.values.map((v) => actionText(v.action).length)));
  const lines = [
    `${r.env} · seed ${r.seed} · task ${r.taskIndex} (${r.taskId}) · recorded: ${r.original.failure ? `failed at step ${r.original.failure.step ?? r.original.length + 1} (${r.original.failure.code}, ${r.original.failure.fault} fault)` : r.original.success ? 'success' : 'no success'}, return ${fromMicros(r.original.returnMicros)} in ${r.original.length} steps`,
    `chance of success from each step on, by ${r.agent} (${Math.max(...r.values.map((v) => v.samples))} samples per step)`,
    `${'step'.padStart(5)}  ${'action'.padEnd(width)}  ${'value'.padEnd(22)}        Δ`,
  ];
  const adv = new Map(r.advantages.map((a) => [a.step, a.advantage]));
  for (const v of r.values) {
    const text = actionText(v.action);
    const a = adv.get(v.step);
    const delta =
      a === undefined || !Number.isFinite(a)
        ? ''
        : `${a > 0 ? '+' : a < 0 ? '−' : ' '}${Math.abs(a).toFixed(2)}`;
    const mark =
      a !== undefined && a <= -threshold
        ? '  ◀ lost here'
        : a !== undefined && a >= threshold
          ? '  ◀ won here'
          : '';
    const value = Number.isFinite(v.value) ? v.value.toFixed(2) : ' n/a';
    lines.push(
      `${String(v.step).padStart(5)}  ${(text.length > width ? `${text.slice(0, width - 1)}…` : text).padEnd(width)}  ▕${bar(v.value)}▏ ${value}  ${delta.padStart(6)}${mark}${v.samples === 0 && v.step > 0 && v.failed === 0 ? '  (ended)' : ''}${v.failed ? `  (${v.failed} failed)` : ''}`,
    );
  }
  const finite = r.advantages.filter((a) => Number.isFinite(a.advantage));
  if (finite.length > 0) {
    const worst = finite.reduce((m, a) => (a.advantage < m.advantage ? a : m));
    const best = finite.reduce((m, a) => (a.advantage > m.advantage ? a : m));
    if (worst.advantage < 0)
      lines.push(
        `biggest loss: step ${worst.step} (${actionText(worst.action)}): ${worst.valueBefore.toFixed(2)} → ${worst.valueAfter.toFixed(2)}`,
      );
    if (best.advantage > 0)
      lines.push(
        `biggest gain: step ${best.step} (${actionText(best.action)}): ${best.valueBefore.toFixed(2)} → ${best.valueAfter.toFixed(2)}`,
      );
  }
  if (r.failed.failed > 0) {
    const f = r.failures[0]!;
    lines.push(
      `${r.failed.failed} continuation${r.failed.failed === 1 ? '' : 's'} failed (${r.failed.agent} agent, ${r.failed.environment} environment), not in the values; e.g. from step ${f.step}: ${f.action ? actionText(f.action) : '(no action)'} → ${f.code}: ${f.message}`,
    );
  }
  return lines.join('\n');
}
