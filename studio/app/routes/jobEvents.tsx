import type { LoaderFunctionArgs } from 'react-router';
import { getJob, subscribeJob } from '../../server/jobs.ts';

/** Progress events sent at most this often (10 a second); the end is always sent. */
const THROTTLE_MS = 100;
/** A comment line this often keeps the connection open through proxies that drop idle ones. */
const KEEPALIVE_MS = 15_000;

/**
 * `/jobs/:id/events`: a studio job as Server-Sent Events (`text/event-stream`): `state` (where it
 * stands now) at once, then `progress` events (throttled to 10 a second), then `end` with the
 * final state, and the stream closes. A job already finished sends `state` and `end` at once; an
 * unknown (or forgotten: the studio restarted) one is a 404.
 */
export function loader({ params, request }: LoaderFunctionArgs) {
  const job = params.id === undefined ? undefined : getJob(params.id);
  if (!job)
    return new Response(`No job "${params.id}": it ended long ago, or the studio restarted`, { status: 404 });
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const send = (event: string, data: unknown) => {
        if (open) controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      };
      const close = () => {
        if (!open) return;
        open = false;
        cleanup();
        controller.close();
      };
      send('state', job);
      if (job.status !== 'running') {
        send('end', job);
        close();
        return;
      }
      const keepalive = setInterval(() => {
        if (open) controller.enqueue(encoder.encode(': keepalive\n\n'));
      }, KEEPALIVE_MS);
      const unsubscribe = subscribeJob(
        job.id,
        (event) => {
          if (event.type === 'progress') send('progress', event.progress);
          else {
            send('end', event.job);
            close();
          }
        },
        {
          throttleMs: THROTTLE_MS,
          // A job's progress in phases (a rollout's `episodes`, then `scores`): each phase's last event is sent.
          phase: (p) => (p && typeof p === 'object' && 'kind' in p ? p.kind : undefined),
        },
      );
      cleanup = () => {
        clearInterval(keepalive);
        unsubscribe();
      };
      request.signal.addEventListener('abort', close, { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}
