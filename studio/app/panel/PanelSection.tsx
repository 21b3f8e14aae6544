import { type ReactNode, useId } from 'react';

/** Props of `PanelSection`. */
export interface PanelSectionProps {
  title: string;
  /** A count shown beside the title (`Tools 5`). */
  count?: number;
  /** Open when the page loads. */
  open?: boolean;
  children: ReactNode;
}

/**
 * One section of the side panel: a `<section>` named by its `<h2>`, collapsible through a native
 * `<details>` (keyboard-operable, its state announced, no script needed).
 *
 * @example
 * <PanelSection title="Tools" count={spec.tools.length} open>…</PanelSection>
 */
export function PanelSection({ title, count, open = false, children }: PanelSectionProps) {
  const id = useId();
  return (
    <section className="panel-section" aria-labelledby={id}>
      <details open={open}>
        <summary>
          <h2 id={id}>
            {title}
            {count !== undefined && <span className="panel-count"> {count}</span>}
          </h2>
        </summary>
        <div className="panel-body">{children}</div>
      </details>
    </section>
  );
}

/** The text of a section or field with nothing in it: says so plainly. */
export function None({ children }: { children: ReactNode }) {
  return <p className="panel-none">{children}</p>;
}
