import { styleText } from 'node:util';
import type { Episode, EpisodeStep } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (style: Parameters<typeof styleText>[0], s: string) => (color ? styleText(style, s) : s);
const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

function actionText(step: Pick<EpisodeStep, 'action'>): string {
  const a = step.action as { tool?: string; arguments?: unknown; text?: string };
  if (a.tool !== undefined) return `${a.tool} ${JSON.stringify(a.arguments ?? {})}`;
  return `says ${JSON.stringify(a.text)}`;
}

function money(micros: number): string {
  const v = fromMicros(micros);
  return (v > 0 ? '+' : '') + String(v);
}

/** One step, as a person reads it. */
export function formatStep(step: EpisodeStep): string {
  const head = `── step ${step.i} ── ${paint('bold', actionText(step))} → reward ${money(step.reward)} · state ${step.state.join(' ')}`;
  const parts = [head];
  if (step.invalidAction) parts.push(paint('yellow', `    invalid action (${step.invalidAction.code})`));
  if (step.components.length > 1)
    parts.push(
      paint('dim', `    reward: ${step.components.map((c) => `${c.name} ${money(c.micros)}`).join(', ')}`),
    );
  parts.push(indent(step.observation.text));
  if (step.terminated) parts.push(paint('green', '    (terminated)'));
  if (step.truncated) parts.push(paint('yellow', '    (truncated: step limit)'));
  return parts.join('\n');
}

/** The header of a transcript: what, which seed and task, which agent. */
export function formatHeader(ep: Episode): string {
  const h = ep.header;
  return [
    paint(
      'bold',
      `Episode ${h.spec.name}@${h.spec.version} · seed ${h.seed} · task ${h.taskIndex} (${h.taskId}) · agent ${h.agent}`,
    ),
    `── reset ── state ${h.info.state.join(' ')}`,
    indent(h.observation.text),
  ].join('\n');
}

/** The failure line of a failed episode: the action that caused it and the error, with its fault. */
export function formatFailure(failure: {
  i: number;
  action: EpisodeStep['action'];
  error: { code: string; message: string; fault?: string };
}): string {
  const fault = failure.error.fault ? ` (${failure.error.fault} fault)` : '';
  return [
    `── step ${failure.i} ── ${paint('bold', actionText(failure))} → ${paint('red', `✖ ${failure.error.code}${fault}`)}`,
    paint('red', indent(failure.error.message)),
  ].join('\n');
}
