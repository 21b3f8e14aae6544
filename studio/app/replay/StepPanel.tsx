import { type EpisodeHeader, type EpisodeStep, fromMicros } from '@palestra/envs/core';
import { memo } from 'react';
import { TurnView, turnOf } from './TurnView.tsx';

/** A reward in units, signed, three decimals (records keep micro-units). */
export const units = (micros: number) => {
  const v = fromMicros(micros);
  return `${v > 0 ? '+' : ''}${v.toFixed(3)}`;
};

/** An action as people read it: `tool {"arg": 1}`, or the text reply. */
export function actionText(action: unknown): string {
  if (action && typeof action === 'object') {
    const a = action as { tool?: unknown; arguments?: unknown; text?: unknown };
    if (typeof a.tool === 'string') return `${a.tool} ${JSON.stringify(a.arguments ?? {})}`;
    if (typeof a.text === 'string') return `reply "${a.text}"`;
  }
  return JSON.stringify(action);
}

export interface StepPanelProps {
  header: EpisodeHeader;
  /** The step shown; undefined for the reset (step 0). */
  step: EpisodeStep | undefined;
  /** The number of steps, for "step k of n". */
  total: number;
}

/**
 * One step of a replay: the action, the observation, the reward and its components, the states
 * after it, and the model's turn when the step has one. Memoised: scrubbing re-renders it only
 * when the step changes.
 */
export const StepPanel = memo(function StepPanel({ header, step, total }: StepPanelProps) {
  const turn = turnOf(step?.turn);
  return (
    <section className="replay-step" aria-labelledby="replay-step-title">
      <h2 id="replay-step-title">
        {step ? `Step ${step.i} of ${total}` : `Reset (before step 1 of ${total})`}
      </h2>
      <dl className="replay-facts">
        {step ? (
          <>
            <dt>Action</dt>
            <dd>
              <code>{actionText(step.action)}</code>
            </dd>
            <dt>Reward</dt>
            <dd>
              <strong>{units(step.reward)}</strong>
              {step.components.length > 0 && (
                <ul className="replay-components">
                  {step.components.map((c) => (
                    <li key={c.name}>
                      {c.name}: {units(c.micros)}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            {step.invalidAction && (
              <>
                <dt>Invalid action</dt>
                <dd className="field-error">
                  <code>{step.invalidAction.code}</code> {step.invalidAction.message}
                </dd>
              </>
            )}
            <dt>Event</dt>
            <dd>
              <code>{step.event ? String(step.event.type) : 'none (the action sent no event)'}</code>
            </dd>
            {(step.terminated || step.truncated) && (
              <>
                <dt>Ended</dt>
                <dd>{step.terminated ? 'terminated' : 'truncated'}</dd>
              </>
            )}
          </>
        ) : (
          <>
            <dt>Task</dt>
            <dd>
              <code>{header.taskId}</code> (index {header.taskIndex}), seed {header.seed}
            </dd>
          </>
        )}
        <dt>Active states</dt>
        <dd>
          <code>{(step ? step.state : header.info.state).join(', ')}</code>
        </dd>
      </dl>
      <h3>Observation</h3>
      <pre className="observation replay-observation">{(step ?? header).observation.text}</pre>
      {step && (
        <>
          <h3>Model turn</h3>
          {turn ? (
            <TurnView turn={turn} />
          ) : (
            <p className="muted">
              No model turn on this step ({header.agent} sends actions without one, or the step is not the
              first of its turn).
            </p>
          )}
        </>
      )}
    </section>
  );
});
