import { useEffect, useState } from 'react';
import { useFetcher } from 'react-router';
import type { CheckOutcome } from '../../server/checkOutcome.ts';

/** How often a page asks again while a check runs. */
const POLL_MS = 1000;

/**
 * The check of environment `ref`, starting from what the loader gave: while it is pending, asks
 * `/env/<ref>/check` (which starts the check) at once, then every second until it is done or failed.
 *
 * @example
 * const check = useCheck(env.ref, env.check);
 * if (check.state === 'done') check.problems;
 */
export function useCheck(ref: string, initial: CheckOutcome): CheckOutcome {
  const fetcher = useFetcher<CheckOutcome>();
  const [outcome, setOutcome] = useState(initial);
  useEffect(() => setOutcome(initial), [initial]);
  useEffect(() => {
    if (fetcher.data) setOutcome(fetcher.data);
  }, [fetcher.data]);
  const { load, state } = fetcher;
  // The first ask starts the check (the page's loader only reads the cache); later ones poll.
  const asked = fetcher.data !== undefined;
  useEffect(() => {
    if (outcome.state !== 'pending' || state !== 'idle') return;
    const timer = setTimeout(() => load(`/env/${encodeURIComponent(ref)}/check`), asked ? POLL_MS : 0);
    return () => clearTimeout(timer);
  }, [outcome, state, load, ref, asked]);
  return outcome;
}
