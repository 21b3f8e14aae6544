import { PalestraError } from '@palestra/envs';

/** How a supervised process ended: `signal` is set when a signal ended it, `code` otherwise. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One line for a message: `code 3`, `SIGKILL`. */
export function describeExit(status: ExitStatus): string {
  return status.signal ?? `code ${status.code}`;
}

/** A supervised process that could not be brought up. Callers narrow by subclass. */
export class ProcessError extends PalestraError {
  override name = 'ProcessError';
}

/**
 * The process did not get ready: it could not be spawned (`reason: 'spawn'`), or it printed no
 * ready line within the timeout (`reason: 'timeout'`; it was killed). The hint carries its stderr.
 */
export class ProcessFailedToStartError extends ProcessError {
  override name = 'ProcessFailedToStartError';
  readonly reason: 'spawn' | 'timeout';
  readonly stderrTail: string;

  constructor(args: {
    what: string;
    reason: 'spawn' | 'timeout';
    stderrTail: string;
    timeoutMs?: number;
    pid?: number;
    cause?: unknown;
  }) {
    const { what, reason, stderrTail, timeoutMs, pid, cause } = args;
    super(
      'PROCESS_FAILED_TO_START',
      reason === 'timeout'
        ? `${what} did not get ready in ${(timeoutMs ?? 0) / 1000} s`
        : `${what} could not be started: ${(cause as Error | undefined)?.message ?? 'unknown error'}`,
      {
        details: { what, reason, timeoutMs, pid, stderr: stderrTail },
        cause,
        hint:
          reason === 'timeout'
            ? `if it is only slow, raise the ready timeout; its stderr:\n${stderrTail || '(empty)'}`
            : 'check that the working folder exists and that /bin/sh is there',
      },
    );
    this.reason = reason;
    this.stderrTail = stderrTail;
  }
}

/** The process exited before it was ready. The hint carries its stderr, which usually says why. */
export class ProcessExitedError extends ProcessError {
  override name = 'ProcessExitedError';
  readonly status: ExitStatus;
  readonly stderrTail: string;

  constructor(args: { what: string; status: ExitStatus; stderrTail: string; pid?: number }) {
    const { what, status, stderrTail, pid } = args;
    super('PROCESS_EXITED', `${what} exited while starting (${describeExit(status)})`, {
      details: { what, status, pid, stderr: stderrTail },
      hint: `its stderr:\n${stderrTail || '(empty)'}`,
    });
    this.status = status;
    this.stderrTail = stderrTail;
  }
}
