import type { EpisodeStep } from '@palestra/envs/core';
import { memo, useEffect, useRef } from 'react';
import { actionText, units } from './StepPanel.tsx';

const StepItem = memo(function StepItem({
  step,
  current,
  onPick,
}: {
  step: EpisodeStep | undefined;
  current: boolean;
  onPick: (k: number) => void;
}) {
  const k = step?.i ?? 0;
  return (
    <li>
      <button
        type="button"
        className="replay-step-button"
        aria-current={current ? 'step' : undefined}
        data-step={k}
        onClick={() => onPick(k)}
      >
        <span className="replay-step-number">{k === 0 ? 'reset' : k}</span>{' '}
        {step ? (
          <>
            <span className="replay-step-action">{actionText(step.action)}</span>{' '}
            <span className={step.reward < 0 ? 'replay-negative' : 'replay-positive'}>
              {units(step.reward)}
            </span>
            {step.invalidAction && <span className="field-error"> invalid</span>}
          </>
        ) : (
          <span className="muted">the task begins</span>
        )}
      </button>
    </li>
  );
});

/**
 * Every step as a button (the reset first): the current one marked and kept in view. Items are
 * memoised, so a scrub re-renders two of them, not a thousand.
 */
export function StepList({
  steps,
  current,
  onPick,
}: {
  steps: readonly EpisodeStep[];
  current: number;
  onPick: (k: number) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    // The list scrolls itself, never the page (scrollIntoView would pull the page down to it).
    const box = list.current;
    const item = box?.querySelector<HTMLElement>(`[data-step="${current}"]`)?.parentElement;
    if (!box || !item) return;
    if (item.offsetTop < box.scrollTop) box.scrollTop = item.offsetTop;
    else if (item.offsetTop + item.offsetHeight > box.scrollTop + box.clientHeight)
      box.scrollTop = item.offsetTop + item.offsetHeight - box.clientHeight;
  }, [current]);
  return (
    <nav aria-label="Steps" className="replay-steps">
      <ol ref={list}>
        <StepItem step={undefined} current={current === 0} onPick={onPick} />
        {steps.map((s) => (
          <StepItem key={s.i} step={s} current={current === s.i} onPick={onPick} />
        ))}
      </ol>
    </nav>
  );
}
