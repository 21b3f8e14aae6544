/**
 * How many episodes to keep in flight when the run is asked to choose (`episodesInFlight: 'auto'`).
 *
 * An episode in flight holds an environment handle, and a handle is not free: an environment with
 * code runs in its own worker thread with its own QuickJS realm (refund-desk: ~0.25 s of CPU to
 * open one on an idle core, ~0.7 s on a busy one). Another episode in flight pays only when the run
 * waits on the agent: while one episode waits for a model's answer, another can step. So the run
 * starts with one episode and opens another only while the waiting it would overlap is worth more
 * than the handle it costs, measured as the run goes:
 *
 *   waiting left ≈ episodes not started × turns per episode × agent wait per turn
 *   with L episodes in flight it takes (waiting left) / L; with L + 1, (waiting left) / (L + 1);
 *   add one when the difference, (waiting left) / (L · (L + 1)), exceeds the time to open a handle.
 *
 * An agent that answers in microseconds (random, scripted, a server on the same machine that
 * answers at once) never earns a second episode; a model that takes a second per turn earns a
 * dozen or more over a long run (up to the `--concurrency` cap). The rule is a pure function so a
 * test can hold it to that.
 */
export interface LaneMeasurements {
  /** Episodes in flight now (lanes running). */
  lanes: number;
  /** Episodes not yet started. */
  waitingEpisodes: number;
  /** Mean agent turns per finished episode (1 until one finishes). */
  turnsPerEpisode: number;
  /** Mean wall time of an agent turn, in ms (the wait another episode could overlap). */
  turnMs: number;
  /** Mean wall time to open an environment handle, in ms. */
  handleMs: number;
}

/**
 * Whether one more episode in flight is expected to finish the run sooner (see the file comment).
 *
 * @example
 * shouldAddLane({ lanes: 1, waitingEpisodes: 63, turnsPerEpisode: 2, turnMs: 1000, handleMs: 250 }) // true
 * shouldAddLane({ lanes: 1, waitingEpisodes: 63, turnsPerEpisode: 2, turnMs: 0.01, handleMs: 250 }) // false
 */
export function shouldAddLane(m: LaneMeasurements): boolean {
  if (m.waitingEpisodes <= 0) return false;
  const waitingLeftMs = m.waitingEpisodes * m.turnsPerEpisode * m.turnMs;
  return waitingLeftMs / (m.lanes * (m.lanes + 1)) > m.handleMs;
}

/** A running mean (count and mean), for the measurements above. */
export class RunningMean {
  private n = 0;
  private m = 0;
  constructor(private readonly initial: number) {}
  add(x: number): void {
    this.n++;
    this.m += (x - this.m) / this.n;
  }
  get value(): number {
    return this.n === 0 ? this.initial : this.m;
  }
  get count(): number {
    return this.n;
  }
}
