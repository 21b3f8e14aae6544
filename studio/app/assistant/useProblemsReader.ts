import { useCallback, useEffect, useRef } from 'react';
import type * as Y from 'yjs';
import type { LiveCheck } from '../validate/liveChecker.ts';

/** How long `read_problems` waits for the page's check of the latest edits. */
export const PROBLEMS_WAIT_MS = 10_000;
/** How long a parse-stage answer waits for the full check that may follow it. */
const FULL_WAIT_MS = 2_000;

interface Seen {
  check: LiveCheck;
  /** The document's update count when this answer arrived. */
  updates: number;
  at: number;
}

/**
 * `read_problems` for the assistant: the page's live check (the same findings the page shows),
 * once it has answered for the document as it is when asked. The live check runs after 300 ms of
 * quiet, so a call right after an edit waits for the answer that follows it (an answer arriving
 * after the last update covers it: the live check never reports an older version), and a
 * parse-stage answer waits briefly for the full check. Past `PROBLEMS_WAIT_MS` the latest answer
 * stands.
 *
 * @example
 * const problems = useProblemsReader(doc, live);
 * const check = await problems();
 */
export function useProblemsReader(doc: Y.Doc | undefined, check: LiveCheck): () => Promise<LiveCheck> {
  const updates = useRef(0);
  const seen = useRef<Seen | undefined>(undefined);
  const waiters = useRef(new Set<() => void>());

  useEffect(() => {
    if (!doc) return;
    const onUpdate = () => {
      updates.current += 1;
    };
    doc.on('update', onUpdate);
    return () => doc.off('update', onUpdate);
  }, [doc]);

  // Only a new answer object runs this: a render that still shows the older answer does not.
  useEffect(() => {
    if (check.state === 'pending') return;
    seen.current = { check, updates: updates.current, at: Date.now() };
    for (const wake of waiters.current) wake();
  }, [check]);

  return useCallback(async () => {
    const asked = updates.current;
    const started = Date.now();
    const ready = () => {
      const s = seen.current;
      if (!s || s.updates < asked) return false;
      if (s.check.state !== 'done' || s.check.checked === 'full') return true;
      return Date.now() - Math.max(s.at, started) >= FULL_WAIT_MS;
    };
    while (!ready() && Date.now() - started < PROBLEMS_WAIT_MS) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.current.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 250);
        waiters.current.add(wake);
      });
    }
    return seen.current?.check ?? { state: 'pending' };
  }, []);
}
