import type { GymSpec } from '@palestra/envs/core';
import type { LaidOutGraph } from '../canvas/layoutGraph.ts';
import { CanvasPane } from '../components/CanvasPane.tsx';
import type { ChangeKind } from './diffSpecs.ts';

/** A CSS string literal for an attribute selector (quotes and backslashes escaped). */
const cssString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\a ')}"`;

const COLOUR: Record<ChangeKind, string> = {
  added: 'var(--diff-added)',
  removed: 'var(--diff-removed)',
  changed: 'var(--diff-changed)',
};

/**
 * The marks of one side as CSS over the canvas's own attributes (`data-state` on a state's box,
 * `data-edge` on a transition's label): the canvas draws the chart, this outlines and labels what
 * changed, so the canvas needs no prop of its own for a diff.
 */
export function marksCss(
  scope: string,
  marks: { states: Record<string, ChangeKind>; edges: Record<string, ChangeKind> },
): string {
  const rules: string[] = [];
  for (const [path, kind] of Object.entries(marks.states)) {
    const at = `${scope} [data-state=${cssString(path)}]`;
    rules.push(
      `${at}{outline:3px ${kind === 'changed' ? 'dashed' : 'solid'} ${COLOUR[kind]};outline-offset:3px}`,
      `${at}::after{content:${cssString(kind)};position:absolute;top:-1.3em;right:0;font:600 12px system-ui,sans-serif;color:${COLOUR[kind]}}`,
    );
  }
  for (const [id, kind] of Object.entries(marks.edges))
    rules.push(
      `${scope} [data-edge=${cssString(id)}]{outline:2px ${kind === 'changed' ? 'dashed' : 'solid'} ${COLOUR[kind]};font-weight:600}`,
    );
  return rules.join('\n');
}

/**
 * One version's chart with its changes marked: states outlined and labelled (`added`, `removed`,
 * `changed`), transitions' labels outlined and drawn as a path. Not the canvas's lit states: their
 * colour is the one a change is marked with.
 */
export function DiffCanvas({
  side,
  title,
  spec,
  layout,
  marks,
}: {
  side: 'before' | 'after';
  title: string;
  spec: GymSpec;
  layout: LaidOutGraph | undefined;
  marks: { states: Record<string, ChangeKind>; edges: Record<string, ChangeKind> };
}) {
  const scope = `.diff-side[data-side="${side}"]`;
  const count = Object.keys(marks.states).length + Object.keys(marks.edges).length;
  return (
    <section className="diff-side" data-side={side} aria-label={title}>
      <h3>{title}</h3>
      <p className="muted">
        {count === 0 ? 'Nothing marked on this chart.' : `${count} element${count === 1 ? '' : 's'} marked.`}
      </p>
      <style>{marksCss(scope, marks)}</style>
      <CanvasPane spec={spec} {...(layout && { layout })} path={Object.keys(marks.edges)} />
    </section>
  );
}

/** What the marks mean. */
export function DiffLegend() {
  return (
    <ul className="diff-legend" aria-label="Legend">
      {(['added', 'removed', 'changed'] as const).map((k) => (
        <li key={k}>
          <span className="diff-swatch" data-kind={k} aria-hidden="true" />
          {k}
        </li>
      ))}
    </ul>
  );
}
