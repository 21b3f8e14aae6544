/**
 * How long a host waits for an environment that runs in a worker (a thread in Node, a Web Worker
 * in a browser) before it stops the worker: a request returns within its deadline +
 * `HANG_BOUND_MS` (1 s) — for a step, `limits.stepDeadlineMs` + 1 s. QuickJS interrupts runaway
 * JavaScript at the step deadline; a hang it cannot interrupt (a native builtin looping over a
 * huge sparse array, say) is ended by terminating the worker.
 *
 * The host stops waiting at deadline + `GRACE_MS` (700 ms); the other 300 ms are the margin for
 * waking the waiting thread and building the error, so the bound holds on a busy machine too.
 * (Waiting the whole second left nothing for those: Node's steps returned at 1.10–1.20 s.)
 */
export const HANG_BOUND_MS = 1000;
export const GRACE_MS = 700;
