import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useFetcher } from 'react-router';
import type { VersionProblem } from '../../server/versions/errors.ts';
import './versions.css';

/** What the versions action answers a page's form (`routes/versions.tsx`). */
type CommitAnswer = { done: { root: string } | null; problem: VersionProblem | null };

/**
 * The page's collaboration status as its status line says it (`data-status` of `.collab-status`,
 * `app/collab/collabStatus.ts`): read from the page rather than passed down, so that this control
 * is one element in the header's actions. `undefined` on a page without one.
 */
function usePageCollabStatus(): string | undefined {
  const [status, setStatus] = useState<string>();
  useEffect(() => {
    const read = () => setStatus(document.querySelector<HTMLElement>('.collab-status')?.dataset.status);
    read();
    const observer = new MutationObserver(read);
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
    return () => observer.disconnect();
  }, []);
  return status;
}

/**
 * A studio environment's "Versions" link and "Commit version…": a dialog with a message box. The
 * commit is sent once the page says "Saved" (every edit made here is then in the studio's
 * document, so what the person saw is what is committed); the answer is the new root, or why not
 * (a document that does not parse names the JSON path).
 */
export function VersionActions({ envRef }: { envRef: string }) {
  const ref = encodeURIComponent(envRef);
  const dialog = useRef<HTMLDialogElement>(null);
  const fetcher = useFetcher<CommitAnswer>();
  const status = usePageCollabStatus();
  const [waiting, setWaiting] = useState<FormData>();
  const saved = status === undefined || status === 'saved';

  useEffect(() => {
    if (!waiting || !saved) return;
    setWaiting(undefined);
    void fetcher.submit(waiting, { method: 'post', action: `/env/${ref}/versions` });
  }, [waiting, saved, fetcher, ref]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setWaiting(new FormData(event.currentTarget));
  };
  const busy = waiting !== undefined || fetcher.state !== 'idle';
  const answer = fetcher.state === 'idle' ? fetcher.data : undefined;

  return (
    <span className="version-actions">
      <Link to={`/env/${ref}/versions`} className="button-link">
        Versions
      </Link>
      <button type="button" onClick={() => dialog.current?.showModal()}>
        Commit version…
      </button>
      <dialog ref={dialog} className="commit-dialog" aria-labelledby="commit-title">
        <form method="post" onSubmit={submit}>
          <h2 id="commit-title">Commit a version</h2>
          <input type="hidden" name="intent" value="commit" />
          <label htmlFor="commit-message">Message: what changed, in a line</label>
          <textarea id="commit-message" name="message" required maxLength={500} />
          <div role="status" aria-live="polite">
            {waiting && !saved && <p>Waiting for your edits to be saved…</p>}
            {fetcher.state !== 'idle' && <p>Committing…</p>}
            {answer?.done && (
              <p>
                Committed <code title={answer.done.root}>{answer.done.root.slice(0, 12)}…</code>:{' '}
                <Link to={`/env/${ref}/versions`}>see the history</Link>
              </p>
            )}
          </div>
          {answer?.problem && (
            <p role="alert" className="error-text">
              <code>{answer.problem.code}</code>
              {answer.problem.path && (
                <>
                  {' '}
                  at <code>{answer.problem.path}</code>
                </>
              )}
              : {answer.problem.message}
              {answer.problem.hint && <> {answer.problem.hint}</>}
            </p>
          )}
          <p className="version-actions">
            <button type="submit" disabled={busy}>
              Commit
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </p>
        </form>
      </dialog>
    </span>
  );
}
