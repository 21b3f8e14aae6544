import type { GymSpec } from '@palestra/envs/core';
import { useEffect, useMemo, useRef } from 'react';
import { placeProblems, statechartGraph } from '../canvas/statechartGraph.ts';
import type { Problem } from './problemsOf.ts';
import './problems.css';

export interface ProblemsListProps {
  problems: readonly Problem[];
  /** The spec the canvas draws: which node or edge each problem names. */
  spec: Pick<GymSpec, 'machine'>;
  /** The canvas's selected node or edge id: its problems are marked current. */
  selected?: string;
  /** Called with the element to select when a problem is chosen. */
  onSelect?: (id: string, kind: 'state' | 'transition') => void;
}

const LEVEL = {
  error: { icon: '✖', text: 'Error' },
  warning: { icon: '⚠', text: 'Warning' },
} as const;

/**
 * The checker's errors and warnings, each a button that selects the node or edge it is about on the
 * canvas (choosing it again steps to its next element, for a problem about several states). The
 * problems of the element selected on the canvas are marked current (`aria-current`) and scrolled
 * into view. A problem about the environment as a whole is listed, not a button.
 *
 * @example
 * <ProblemsList problems={problemsOf(report)} spec={spec} selected={selected} onSelect={setSelected} />
 */
export function ProblemsList({ problems, spec, selected, onSelect }: ProblemsListProps) {
  const graph = useMemo(() => statechartGraph(spec), [spec]);
  const { elementsOf } = useMemo(() => placeProblems(graph, problems), [graph, problems]);
  const nodeIds = useMemo(() => new Set(graph.nodes.map((n) => n.id)), [graph]);
  const list = useRef<HTMLUListElement>(null);

  // A selection made on the canvas: bring its first problem into view in the list.
  useEffect(() => {
    if (selected === undefined) return;
    list.current?.querySelector('[aria-current="true"]')?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);

  const errors = problems.filter((p) => p.level === 'error').length;
  const warnings = problems.length - errors;
  const choose = (p: Problem) => {
    const elements = elementsOf.get(p.id) ?? [];
    if (elements.length === 0) return;
    const at = selected === undefined ? -1 : elements.indexOf(selected);
    const next = elements[(at + 1) % elements.length]!;
    onSelect?.(next, nodeIds.has(next) ? 'state' : 'transition');
  };

  return (
    <section className="problems-list" aria-labelledby="problems-title">
      <h2 id="problems-title">Problems</h2>
      <p className="muted">
        {problems.length === 0
          ? 'The checker found nothing to fix.'
          : `${plural(errors, 'error')}, ${plural(warnings, 'warning')} (the quick check: no cross-host replay).`}
      </p>
      {problems.length > 0 && (
        <ul ref={list}>
          {problems.map((p) => {
            const elements = elementsOf.get(p.id) ?? [];
            const current = selected !== undefined && elements.includes(selected);
            const className = `problem-item problem-${p.level}${current ? ' problem-current' : ''}`;
            const body = (
              <>
                <span className="problem-icon" role="img" aria-label={LEVEL[p.level].text}>
                  {LEVEL[p.level].icon}
                </span>
                <span className="problem-head">
                  {p.check}
                  {p.code && (
                    <>
                      {' '}
                      <code>{p.code}</code>
                    </>
                  )}
                </span>
                <span>{p.message}</span>
                {p.hint && <span className="problem-hint">→ {p.hint}</span>}
                {elements.length > 1 && (
                  <span className="problem-where">
                    {elements.length} places on the canvas: choose again for the next
                  </span>
                )}
              </>
            );
            return (
              <li key={p.id}>
                {elements.length > 0 ? (
                  <button
                    type="button"
                    className={className}
                    data-problem={p.id}
                    aria-current={current ? 'true' : undefined}
                    onClick={() => choose(p)}
                  >
                    {body}
                  </button>
                ) : (
                  <div className={className} data-problem={p.id}>
                    {body}
                    <span className="problem-where">about the environment as a whole</span>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
