import { PalestraError } from '@palestra/envs/core';

/**
 * The simulator's own codes (the kernel's order codes, `STEP_BEFORE_RESET`, `STEP_AFTER_END`,
 * `STEP_AFTER_FAILURE`, are reused as they are). Not yet in the shared registry: the studio has no
 * error domain of its own yet, and this folder imports only `@palestra/envs/core`.
 */
export const simulatorErrorCodes = {
  TIMELINE_NOT_FOUND: 'the simulator has no timeline with that id',
  TIMELINE_STEP_OUT_OF_RANGE: 'a step outside the timeline it names',
  NO_VALIDATOR: "the simulator was given no way to check a tool's arguments",
} as const;

export type SimulatorErrorCode = keyof typeof simulatorErrorCodes;

/**
 * A request the simulator cannot carry out (a timeline that does not exist, a step outside it).
 *
 * @example
 * try { await sim.switchTo('t9') } catch (e) { if (e instanceof SimulatorError) show(e.explain()) }
 */
export class SimulatorError extends PalestraError {
  override name = 'SimulatorError';

  constructor(
    code: SimulatorErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; hint?: string } = {},
  ) {
    super(code, message, options);
  }
}
