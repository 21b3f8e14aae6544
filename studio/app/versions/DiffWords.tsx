import { AREAS, type Change, type ChangeArea } from './diffSpecs.ts';

const HEADINGS: Record<ChangeArea, string> = {
  state: 'States',
  transition: 'Transitions',
  expression: 'Expressions',
  task: 'Tasks',
  tool: 'Tools',
  reward: 'Rewards',
  setting: 'Settings',
  file: 'Code files',
};

/** The longest before/after text shown whole; a longer one is cut with its length said. */
const SHOWN = 400;
const cut = (text: string) =>
  text.length > SHOWN ? `${text.slice(0, SHOWN)}… (${text.length} characters)` : text;

/**
 * The changes in words, one list per part of the spec (states, transitions, expressions, tasks,
 * tools, rewards, settings, files): each added, removed or changed, with the before and after of a
 * changed element.
 */
export function DiffWords({ changes }: { changes: readonly Change[] }) {
  if (changes.length === 0) return <p>The two versions hold the same environment.</p>;
  return (
    <>
      {AREAS.map((area) => {
        const here = changes.filter((c) => c.area === area);
        if (here.length === 0) return null;
        return (
          <section key={area} aria-labelledby={`diff-${area}`}>
            <h3 id={`diff-${area}`}>
              {HEADINGS[area]} ({here.length})
            </h3>
            <ul className="diff-list">
              {here.map((c) => (
                <li key={`${c.kind} ${c.what}`} data-kind={c.kind}>
                  <span className="diff-kind">{c.kind[0]!.toUpperCase() + c.kind.slice(1)}</span>{' '}
                  <code>{c.what}</code>
                  {c.kind === 'changed' ? (
                    <span className="diff-before-after">
                      <span className="muted">before</span>
                      <code>{cut(c.before ?? '')}</code>
                      <span className="muted">after</span>
                      <code>{cut(c.after ?? '')}</code>
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}
