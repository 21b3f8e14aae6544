import { useEffect, useRef, useState } from 'react';

/** A studio job as the event stream sends it (`studio/server/jobs.ts`'s `JobState`). */
export interface JobView<P, R> {
  id: string;
  kind: string;
  label: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress?: P;
  result?: R;
  error?: { code: string; message: string; hint?: string };
  meta?: Record<string, unknown>;
  startedAt: number;
  endedAt?: number;
}

/**
 * Watches job `id` through `/jobs/:id/events` (EventSource): its state at once, each progress
 * event, then its end. `initial` is what the loader knew, shown until the stream answers.
 * `lost` is true when the stream failed before the end (a restarted studio forgot the job).
 *
 * @example
 * const { job } = useJobEvents<RolloutProgress, Result>(jobId, loaderJob);
 */
export function useJobEvents<P, R>(
  id: string | undefined,
  initial?: JobView<P, R>,
): { job: JobView<P, R> | undefined; lost: boolean } {
  const [job, setJob] = useState<JobView<P, R> | undefined>(initial);
  const [lost, setLost] = useState(false);
  // What the loader knew when `id` changed: read by the effect, which runs again only for a new id.
  const latest = useRef(initial);
  latest.current = initial;
  useEffect(() => {
    const initial = latest.current;
    setJob(initial);
    setLost(false);
    if (!id || (initial && initial.id === id && initial.status !== 'running')) return;
    const source = new EventSource(`/jobs/${encodeURIComponent(id)}/events`);
    let ended = false;
    source.addEventListener('state', (e) => setJob(JSON.parse((e as MessageEvent).data)));
    source.addEventListener('progress', (e) => {
      const progress = JSON.parse((e as MessageEvent).data) as P;
      setJob((j) => (j ? { ...j, progress } : j));
    });
    source.addEventListener('end', (e) => {
      ended = true;
      setJob(JSON.parse((e as MessageEvent).data));
      source.close();
    });
    source.onerror = () => {
      // EventSource reconnects by itself; a stream that ended or a job the server forgot stays closed.
      if (ended) return;
      if (source.readyState === EventSource.CLOSED) setLost(true);
    };
    return () => source.close();
  }, [id]);
  return { job, lost };
}
